// Test helper: the JSON Schema (draft-07, for ajv) that behaves like a CRD schema on the API
// server with strict field validation (`kubectl apply`'s default): Kubernetes' OpenAPI extensions
// are spelled out and unknown fields are rejected instead of pruned.
import type { Schema } from './structural.js';

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

export function forAjv(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || ['nullable', 'exclusiveMinimum', 'exclusiveMaximum'].includes(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, forAjv(child as Schema)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) out[key] = forAjv(value);
    else out[key] = value;
  }
  for (const [bound, limit] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (node[bound] === true) {
      out[bound] = node[limit];
      delete out[limit];
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) out['type'] = ['integer', 'string'];
  if (node['nullable'] === true) out['type'] = [node['type'], 'null'];
  if (node['properties'] !== undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) out['additionalProperties'] = false;
  return out;
}
