// kubectl's `-o jsonpath=` templates: evaluateJsonPathTemplate("{.items[*].metadata.name}", list).
// Results of one {…} are joined by a single space, strings print raw, maps and lists as compact
// JSON, null as <nil>; nothing is added at the end (kubectl prints no trailing newline).

import { JsonPathError } from './errors.js';
import { goJson, goScalar, toJsonValue } from './go-values.js';
import { findResults, JsonPathEvalError } from './jsonpath-eval.js';
import { parseJsonPathTemplate, type ParsedTemplate } from './jsonpath-parser.js';

export { parseJsonPathTemplate, type ParsedTemplate } from './jsonpath-parser.js';

export interface JsonPathOptions {
  /** kubectl's --allow-missing-template-keys (default true): a missing key prints nothing instead of failing. */
  allowMissingKeys?: boolean;
}

function execute(parsed: ParsedTemplate, data: unknown, opts: JsonPathOptions): unknown[][] {
  try {
    return findResults(parsed.segments, toJsonValue(data), { allowMissingKeys: opts.allowMissingKeys ?? true });
  } catch (err) {
    if (err instanceof JsonPathEvalError) {
      throw new JsonPathError(`error executing jsonpath ${JSON.stringify(parsed.template)}: ${err.message}`);
    }
    throw err;
  }
}

/** The result groups of a template (one per {…} or text run, repeated per range item). */
export function findJsonPathResults(template: string | ParsedTemplate, data: unknown, opts: JsonPathOptions = {}): unknown[][] {
  return execute(typeof template === 'string' ? parseJsonPathTemplate(template) : template, data, opts);
}

/** How kubectl's jsonpath printer writes one result. */
export function jsonPathValueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? goJson(value) : goScalar(value);
}

/** Evaluates a template against data; throws JsonPathError for bad syntax or a failed evaluation. */
export function evaluateJsonPathTemplate(template: string, data: unknown, opts: JsonPathOptions = {}): string {
  return findJsonPathResults(template, data, opts)
    .map((group) => group.map(jsonPathValueText).join(' '))
    .join('');
}

/** `-o jsonpath-as-json=`: every result group as an indented JSON array, one after the other. */
export function evaluateJsonPathTemplateAsJson(template: string, data: unknown, opts: JsonPathOptions = {}): string {
  return findJsonPathResults(template, data, opts)
    .map((group) => `${goJson(group, '    ')}\n`)
    .join('');
}
