// `-o` for get: json, yaml, name, wide, jsonpath=…, jsonpath-as-json=…, custom-columns=…, or
// the default table. A list prints as kubectl's List envelope, a single object as itself.

import { stringify } from 'yaml';
import type { KubeList, KubeObject } from '../../api/meta.js';
import { parseCustomColumns, renderCustomColumns } from './custom-columns.js';
import { OutputFormatError } from './errors.js';
import { goJson, sortKeysDeep } from './go-values.js';
import { evaluateJsonPathTemplate, evaluateJsonPathTemplateAsJson } from './jsonpath.js';
import { printTable } from './printers.js';
import { qualifiedName } from './resource-names.js';

export const ALLOWED_FORMATS: readonly string[] = ['custom-columns', 'json', 'jsonpath', 'jsonpath-as-json', 'name', 'wide', 'yaml'];

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'json' | 'yaml' | 'name' }
  | { kind: 'jsonpath' | 'jsonpath-as-json'; template: string }
  | { kind: 'custom-columns'; spec: string };

export interface FormatOutputOptions {
  now: Date;
  noHeaders?: boolean;
  showNamespace?: boolean;
  withKind?: boolean;
  /** kubectl's --allow-missing-template-keys, for jsonpath (default true). */
  allowMissingKeys?: boolean;
}

/** Removes one pair of matching quotes a shell would have removed: jsonpath='{.a}' → {.a}. */
function unquote(value: string): string {
  const m = /^(['"])([\s\S]*)\1$/.exec(value);
  return m ? (m[2] ?? '') : value;
}

/** Parses an -o value; throws OutputFormatError naming the allowed formats. */
export function parseOutputFormat(format: string): OutputFormat {
  const eq = format.indexOf('=');
  const name = eq < 0 ? format : format.slice(0, eq);
  const arg = eq < 0 ? undefined : unquote(format.slice(eq + 1));
  switch (name) {
    case '':
      return { kind: 'table', wide: false };
    case 'wide':
      return { kind: 'table', wide: true };
    case 'json':
    case 'yaml':
    case 'name':
      if (arg !== undefined) break;
      return { kind: name };
    case 'jsonpath':
    case 'jsonpath-as-json':
      if (arg === undefined || arg === '') {
        throw new OutputFormatError(`${name} format specified but no template given`, `write -o ${name}='{.metadata.name}'`);
      }
      return { kind: name, template: arg };
    case 'custom-columns':
      if (arg === undefined || arg === '') {
        throw new OutputFormatError('custom-columns format specified but no custom columns given', 'write -o custom-columns=NAME:.metadata.name');
      }
      return { kind: 'custom-columns', spec: arg };
    default:
      break;
  }
  throw new OutputFormatError(
    `unable to match a printer suitable for the output format ${JSON.stringify(format)}, allowed formats are: ${ALLOWED_FORMATS.join(',')}`,
  );
}

function isList(value: KubeObject | KubeList): value is KubeList {
  return value.kind === 'List' && Array.isArray((value as KubeList).items);
}

/** What kubectl serializes: the object, or the List envelope with its empty resourceVersion. */
export function serializable(objOrList: KubeObject | KubeList): unknown {
  if (!isList(objOrList)) return objOrList;
  return { apiVersion: 'v1', items: objOrList.items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** kubectl -o yaml: keys sorted, sequences not indented under their key, ambiguous strings quoted. */
export function toKubectlYaml(value: unknown): string {
  return stringify(sortKeysDeep(value), { indentSeq: false, version: '1.1', blockQuote: 'literal', aliasDuplicateObjects: false });
}

export function formatOutput(objOrList: KubeObject | KubeList, format: string, opts: FormatOutputOptions): string {
  const parsed = parseOutputFormat(format);
  const items = isList(objOrList) ? objOrList.items : [objOrList];
  switch (parsed.kind) {
    case 'table':
      return printTable(items, { ...opts, wide: parsed.wide });
    case 'json':
      return `${goJson(serializable(objOrList), '    ')}\n`;
    case 'yaml':
      return toKubectlYaml(serializable(objOrList));
    case 'name':
      return items.map((o) => `${qualifiedName(o)}\n`).join('');
    case 'jsonpath':
      return evaluateJsonPathTemplate(parsed.template, serializable(objOrList), { allowMissingKeys: opts.allowMissingKeys ?? true });
    case 'jsonpath-as-json':
      return evaluateJsonPathTemplateAsJson(parsed.template, serializable(objOrList), { allowMissingKeys: opts.allowMissingKeys ?? true });
    case 'custom-columns':
      return items.length === 0 ? '' : renderCustomColumns(items, parseCustomColumns(parsed.spec), opts.noHeaders === true);
    default: {
      const never: never = parsed;
      return never;
    }
  }
}
