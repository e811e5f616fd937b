// The rules a kube-apiserver applies when a CustomResourceDefinition is created, as far as our
// generated CRDs could break them: structural schemas, forbidden keywords, valid defaults,
// patterns Go's regexp can compile, well-formed names and columns. The generator refuses to write
// a CRD that breaks one, so a mistake shows up here instead of at `kubectl apply`.
import type { CustomResourceDefinition } from './crd.js';
import { KNOWN_FORMATS, type Schema } from './structural.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const ALLOWED = new Set([
  'additionalProperties',
  'default',
  'description',
  'enum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'format',
  'items',
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
  'properties',
  'required',
  'type',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
]);
// Go's RE2 has no lookaround and no backreferences.
const NOT_RE2 = /\(\?[=!<]|\\[1-9]/;
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Problems of one schema node and its children, each prefixed with its path. */
export function schemaProblems(node: Schema, path = '.'): string[] {
  const problems: string[] = [];
  const add = (message: string) => problems.push(`${path}: ${message}`);
  for (const key of Object.keys(node)) if (!ALLOWED.has(key)) add(`keyword ${key} is not allowed`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  const intOrString = node['x-kubernetes-int-or-string'];
  if (preserve !== undefined && preserve !== true) add('x-kubernetes-preserve-unknown-fields must be true when set');
  if (intOrString !== undefined && intOrString !== true) add('x-kubernetes-int-or-string must be true when set');
  const type = node['type'];
  if (type === undefined) {
    if (preserve !== true && intOrString !== true) add('type is required');
  } else if (typeof type !== 'string' || !TYPES.includes(type)) add(`type ${JSON.stringify(type)} is not a single OpenAPI type`);
  if (intOrString === true && type !== undefined) add('x-kubernetes-int-or-string takes no type');
  if (node['nullable'] !== undefined && (node['nullable'] !== true || type === undefined)) add('nullable must be true and beside a type');
  for (const bound of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const limit = bound === 'exclusiveMinimum' ? 'minimum' : 'maximum';
    if (node[bound] !== undefined && (typeof node[bound] !== 'boolean' || node[limit] === undefined)) {
      add(`${bound} must be a boolean beside ${limit}`);
    }
  }
  if (node['format'] !== undefined && !KNOWN_FORMATS.includes(node['format'] as string)) add(`unknown format ${String(node['format'])}`);
  if (typeof node['pattern'] === 'string' && NOT_RE2.test(node['pattern'])) add(`pattern ${node['pattern']} is not RE2`);
  if (Array.isArray(node['enum']) && node['enum'].length === 0) add('enum is empty');
  problems.push(...childProblems(node, path, add));
  if ('default' in node) {
    const problem = defaultProblem(node, node['default']);
    if (problem) add(`default ${JSON.stringify(node['default'])} ${problem}`);
  }
  for (const rule of (node['x-kubernetes-validations'] as unknown[] | undefined) ?? []) {
    if (!isObject(rule) || typeof rule['rule'] !== 'string' || rule['rule'] === '') add('x-kubernetes-validations needs a rule');
    else for (const field of unknownCelFields(node, rule['rule'])) add(`CEL rule names ${field}, which is not a property here`);
  }
  return problems;
}

// The API server type-checks CEL against the schema, so `self.x` must name a declared property.
function unknownCelFields(node: Schema, rule: string): string[] {
  const properties = isObject(node['properties']) ? node['properties'] : {};
  const named = [...rule.matchAll(/\b(?:self|oldSelf)\.(\w+)/g)].map((match) => match[1] ?? '');
  return named.filter((field) => !(field in properties));
}

function childProblems(node: Schema, path: string, add: (message: string) => void): string[] {
  const problems: string[] = [];
  const properties = node['properties'];
  const extra = node['additionalProperties'];
  if (properties !== undefined && extra !== undefined) add('properties and additionalProperties are mutually exclusive');
  if (extra === false) add('additionalProperties cannot be false');
  if (isObject(properties)) {
    for (const [name, child] of Object.entries(properties)) {
      if (isObject(child)) problems.push(...schemaProblems(child, `${path === '.' ? '' : path}.${name}`));
      else add(`property ${name} is not a schema`);
    }
  }
  if (isObject(extra)) problems.push(...schemaProblems(extra, `${path}.*`));
  if (node['type'] === 'array') {
    if (isObject(node['items'])) problems.push(...schemaProblems(node['items'], `${path}[]`));
    else add('an array needs one items schema');
  }
  const required = node['required'];
  if (required !== undefined && (!Array.isArray(required) || !isObject(properties) || !required.every((name) => name in properties))) {
    add('required names a field that is not a property');
  }
  return problems;
}

// The API server validates defaults against their own schema; ours are scalars by design.
function defaultProblem(node: Schema, value: unknown): string | undefined {
  if (!['string', 'number', 'boolean'].includes(typeof value)) return 'is not a scalar';
  const type = node['type'];
  const matches =
    type === 'integer' ? Number.isInteger(value) : type === 'number' ? typeof value === 'number' : typeof value === type;
  if (!matches) return `is not of type ${String(type)}`;
  if (Array.isArray(node['enum']) && !node['enum'].includes(value)) return 'is not in enum';
  if (typeof value === 'number') {
    if (typeof node['minimum'] === 'number' && value < node['minimum']) return 'is below minimum';
    if (typeof node['maximum'] === 'number' && value > node['maximum']) return 'is above maximum';
  }
  if (typeof value === 'string') {
    if (typeof node['minLength'] === 'number' && value.length < node['minLength']) return 'is shorter than minLength';
    if (typeof node['pattern'] === 'string' && !new RegExp(node['pattern'], 'u').test(value)) return 'does not match pattern';
  }
  return undefined;
}

/** Problems of a whole CRD: its envelope, names, columns and the root schema's special rules. */
export function crdProblems(crd: CustomResourceDefinition): string[] {
  const problems: string[] = [];
  const { names, group, versions } = crd.spec;
  if (crd.metadata.name !== `${names.plural}.${group}`) problems.push(`metadata.name must be ${names.plural}.${group}`);
  for (const name of [names.plural, names.singular, ...names.shortNames, ...names.categories]) {
    if (!/^[a-z][a-z0-9]*$/.test(name)) problems.push(`name ${name} must be lowercase letters and digits`);
  }
  if (versions.filter((version) => version.storage).length !== 1) problems.push('exactly one version must be the storage version');
  for (const version of versions) {
    const root = version.schema.openAPIV3Schema;
    const properties = (root['properties'] ?? {}) as Record<string, Schema>;
    if (root['type'] !== 'object') problems.push('the root schema must be an object');
    if (JSON.stringify(properties['metadata']) !== '{"type":"object"}') problems.push('metadata must be exactly {type: object}');
    for (const field of ['apiVersion', 'kind'] as const) {
      if (properties[field] && properties[field]['type'] !== 'string') problems.push(`${field} must be a string`);
    }
    if (version.subresources?.['status'] !== undefined && !properties['status']) problems.push('status subresource without a status field');
    for (const column of version.additionalPrinterColumns) {
      if (!COLUMN_TYPES.includes(column.type) || !column.jsonPath.startsWith('.')) problems.push(`printer column ${column.name} is malformed`);
    }
    problems.push(...schemaProblems(root).map((problem) => `${version.name}: ${problem}`));
  }
  return problems.map((problem) => `${crd.metadata.name}: ${problem}`);
}
