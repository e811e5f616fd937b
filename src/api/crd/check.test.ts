import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdProblems, schemaProblems } from './check.js';
import { customResourceDefinitions } from './crd.js';

test('every generated CRD passes the API server rules we check', () => {
  assert.deepEqual(customResourceDefinitions().flatMap(crdProblems), []);
});

// The checker must catch what a kube-apiserver rejects, or the test above proves nothing.
const rejected: { name: string; schema: object; problem: RegExp }[] = [
  { name: 'a field without type', schema: { type: 'object', properties: { a: {} } }, problem: /\.a: type is required/ },
  { name: 'a type list', schema: { type: ['string', 'null'] }, problem: /not a single OpenAPI type/ },
  { name: '$ref', schema: { $ref: '#/a' }, problem: /keyword \$ref/ },
  { name: 'const', schema: { type: 'string', const: 'a' }, problem: /keyword const/ },
  { name: 'anyOf', schema: { anyOf: [{ type: 'string' }] }, problem: /keyword anyOf/ },
  { name: 'preserve false', schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false }, problem: /must be true/ },
  { name: 'additionalProperties false', schema: { type: 'object', additionalProperties: false }, problem: /cannot be false/ },
  {
    name: 'properties beside additionalProperties',
    schema: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
    problem: /mutually exclusive/,
  },
  { name: 'array without items', schema: { type: 'array' }, problem: /needs one items/ },
  { name: 'numeric exclusiveMinimum', schema: { type: 'number', exclusiveMinimum: 0 }, problem: /boolean beside minimum/ },
  { name: 'nullable without type', schema: { nullable: true, 'x-kubernetes-preserve-unknown-fields': true }, problem: /nullable/ },
  { name: 'default outside enum', schema: { type: 'string', enum: ['a'], default: 'b' }, problem: /not in enum/ },
  { name: 'default of the wrong type', schema: { type: 'integer', default: '1' }, problem: /not of type integer/ },
  { name: 'default below minimum', schema: { type: 'integer', minimum: 1, default: 0 }, problem: /below minimum/ },
  { name: 'object default', schema: { type: 'object', default: {} }, problem: /not a scalar/ },
  { name: 'lookahead pattern', schema: { type: 'string', pattern: '^(?!x)' }, problem: /not RE2/ },
  { name: 'unknown format', schema: { type: 'string', format: 'cuid' }, problem: /unknown format/ },
  { name: 'required without property', schema: { type: 'object', properties: {}, required: ['a'] }, problem: /required/ },
  {
    name: 'a CEL rule naming an undeclared field',
    schema: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'has(self.b)' }] },
    problem: /names b/,
  },
  { name: 'empty CEL rule', schema: { type: 'object', 'x-kubernetes-validations': [{ rule: '' }] }, problem: /needs a rule/ },
];

for (const { name, schema, problem } of rejected) {
  test(`schemaProblems reports ${name}`, () => {
    const problems = schemaProblems(schema as Record<string, unknown>);
    assert.ok(problems.some((text) => problem.test(text)), problems.join('\n') || 'no problem reported');
  });
}

test('crdProblems reports a root metadata schema with more than a type', () => {
  const [crd] = customResourceDefinitions();
  assert.ok(crd);
  const root = crd.spec.versions[0]?.schema.openAPIV3Schema as { properties: Record<string, unknown> };
  root.properties['metadata'] = { type: 'object', properties: { name: { type: 'string' } } };
  assert.ok(crdProblems(crd).some((text) => text.includes('metadata must be exactly')));
});
