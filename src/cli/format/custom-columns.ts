// `-o custom-columns=NAME:.metadata.name,PHASE:.status.phase`: headers as given, each cell the
// column's JSONPath results joined by ",", "<none>" when there are none.

import { OutputFormatError } from './errors.js';
import { goSprint } from './go-values.js';
import { findJsonPathResults, parseJsonPathTemplate, type ParsedTemplate } from './jsonpath.js';
import { renderTable } from './table.js';

export interface CustomColumn {
  header: string;
  template: ParsedTemplate;
}

/** Splits on commas outside brackets, braces, parentheses and quotes (so unions and filters survive). */
function splitColumns(spec: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(spec.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(spec.slice(start));
  return parts;
}

/**
 * kubectl's RelaxedJSONPathExpression: "metadata.name", ".metadata.name", "{metadata.name}" and
 * "{.metadata.name}" all mean {.metadata.name}.
 */
export function relaxedJsonPath(expr: string): string {
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expr);
  if (!m) {
    throw new OutputFormatError(
      `unexpected path string ${JSON.stringify(expr)}`,
      "expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  }
  return `{.${m[1] ?? m[2] ?? ''}}`;
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.trim() === '') {
    throw new OutputFormatError('custom-columns format specified but no custom columns given', 'write -o custom-columns=NAME:.metadata.name');
  }
  return splitColumns(spec).map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      throw new OutputFormatError(
        `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`,
        'for example NAME:.metadata.name',
      );
    }
    return { header: part.slice(0, colon), template: parseJsonPathTemplate(relaxedJsonPath(part.slice(colon + 1))) };
  });
}

export function renderCustomColumns(items: unknown[], columns: CustomColumn[], noHeaders = false): string {
  const rows = items.map((item) =>
    columns.map((col) => {
      const values = findJsonPathResults(col.template, item, { allowMissingKeys: true }).flat();
      return values.length === 0 ? '<none>' : values.map(goSprint).join(',');
    }),
  );
  return renderTable(
    columns.map((c) => c.header),
    rows,
    { noHeaders },
  );
}
