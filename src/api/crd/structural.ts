// Turns the OpenAPI 3.0 flavour of JSON Schema that zod emits into the structural subset that
// Kubernetes accepts in a CustomResourceDefinition.
//
// Defaults: only scalar defaults are kept. They match what zod applies when it parses, so the API
// server's defaulting and our webhook agree, and `kubectl get -o yaml` shows them as CloudNativePG
// does. Object and array defaults (zod's `.prefault({})`) are dropped: materialising whole blocks
// such as `bootstrap: {}` on the server would change what users see on read-back, and the
// webhook/operator applies them anyway.

export type Schema = { [key: string]: unknown };

// Keywords copied unchanged; anything else zod may emit (titles, examples, $schema) is dropped.
const COPIED = [
  'description',
  'enum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'maxItems',
  'maxLength',
  'maxProperties',
  'maximum',
  'minItems',
  'minLength',
  'minProperties',
  'minimum',
  'multipleOf',
  'nullable',
  'pattern',
  'required',
  'type',
] as const;

/** Formats the API server understands; others only earn a warning, so they are not emitted. */
export const KNOWN_FORMATS: readonly string[] = [
  'byte',
  'cidr',
  'date',
  'date-time',
  'double',
  'duration',
  'email',
  'float',
  'hostname',
  'int32',
  'int64',
  'ipv4',
  'ipv6',
  'password',
  'uri',
  'uuid',
];

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
// zod bounds every z.int() by the safe-integer range; Kubernetes integers are int64 already.
const SAFE_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);

export class UnsupportedSchemaError extends Error {
  constructor(path: string, what: string) {
    super(`${path}: ${what} cannot be expressed in a Kubernetes structural schema; change the zod schema or teach src/api/crd/structural.ts`);
  }
}

/** The structural form of one JSON Schema node; `path` names it in errors. */
export function toStructural(node: unknown, path: string): Schema {
  if (!isObject(node)) throw new UnsupportedSchemaError(path, 'a non-object schema');
  for (const keyword of ['$ref', 'allOf', 'not', 'patternProperties']) {
    if (keyword in node) throw new UnsupportedSchemaError(path, keyword);
  }
  if (Array.isArray(node['type'])) throw new UnsupportedSchemaError(path, 'a list of types');
  const union = node['anyOf'] ?? node['oneOf'];
  if (Array.isArray(union)) return collapseUnion(union);

  const out: Schema = {};
  for (const keyword of COPIED) {
    const value = node[keyword];
    if (value !== undefined && !(SAFE_BOUNDS.has(value as number) && (keyword === 'minimum' || keyword === 'maximum'))) {
      out[keyword] = value;
    }
  }
  if ('const' in node) out['enum'] = [node['const']];
  if (typeof node['format'] === 'string' && KNOWN_FORMATS.includes(node['format'])) out['format'] = node['format'];
  if (isScalar(node['default'])) out['default'] = node['default'];

  if (isObject(node['properties'])) {
    out['properties'] = Object.fromEntries(
      Object.entries(node['properties']).map(([name, child]) => [name, toStructural(child, `${path}.${name}`)]),
    );
  }
  addAdditionalProperties(node, out, path);
  if ('items' in node) out['items'] = toStructural(node['items'], `${path}[]`);
  return out['type'] === undefined ? { [PRESERVE]: true } : out;
}

// Kubernetes forbids `additionalProperties: false` (unknown fields are pruned or, with strict field
// validation, rejected) and forbids additionalProperties beside properties.
function addAdditionalProperties(node: Schema, out: Schema, path: string): void {
  const extra = node['additionalProperties'];
  if (extra === undefined || extra === false) return;
  const open = extra === true || (isObject(extra) && Object.keys(extra).length === 0);
  if (open || out['properties'] !== undefined) {
    out[PRESERVE] = true;
    return;
  }
  out['additionalProperties'] = toStructural(extra, `${path}.*`);
}

// A string-or-number union is Kubernetes' int-or-string (quantities, ports). Any other union is
// accepted as it comes and left to the webhook, keeping a type when every branch shares one.
function collapseUnion(branches: unknown[]): Schema {
  const types = new Set(branches.map((branch, index) => (isObject(branch) ? branch['type'] : `?${index}`)));
  const numeric = types.has('integer') || types.has('number');
  if (types.size === 2 && types.has('string') && numeric) return { [INT_OR_STRING]: true };
  const [only] = types;
  if (types.size !== 1 || typeof only !== 'string' || only.startsWith('?')) return { [PRESERVE]: true };
  if (only === 'object') return { type: only, [PRESERVE]: true };
  if (only === 'array') return { type: only, items: { [PRESERVE]: true } };
  return { type: only };
}
