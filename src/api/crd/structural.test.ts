import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toStructural, UnsupportedSchemaError } from './structural.js';

const PRESERVE = { 'x-kubernetes-preserve-unknown-fields': true };

const cases: { name: string; input: object; output: object }[] = [
  {
    name: 'string-or-number union becomes int-or-string',
    input: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    output: { 'x-kubernetes-int-or-string': true },
  },
  {
    name: 'union of objects keeps the type and preserves fields',
    input: { oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object' }] },
    output: { type: 'object', ...PRESERVE },
  },
  {
    name: 'union of arrays keeps items structural',
    input: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'array', items: { type: 'integer' } }] },
    output: { type: 'array', items: PRESERVE },
  },
  { name: 'mixed union accepts anything', input: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'object' }] }, output: PRESERVE },
  { name: 'unknown value', input: {}, output: PRESERVE },
  {
    name: 'record of unknown values is a preserved object',
    input: { type: 'object', additionalProperties: {} },
    output: { type: 'object', ...PRESERVE },
  },
  {
    name: 'strict object drops additionalProperties: false',
    input: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
    output: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
  },
  {
    name: 'loose object keeps its properties and preserves the rest',
    input: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: {} },
    output: { type: 'object', properties: { a: { type: 'string' } }, ...PRESERVE },
  },
  {
    name: 'typed map',
    input: { type: 'object', additionalProperties: { type: 'string' } },
    output: { type: 'object', additionalProperties: { type: 'string' } },
  },
  { name: 'const becomes enum', input: { type: 'string', const: 'x' }, output: { type: 'string', enum: ['x'] } },
  {
    name: 'safe-integer bounds are dropped, real bounds kept',
    input: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    output: { type: 'integer', minimum: 1 },
  },
  {
    name: 'scalar defaults stay, object defaults go',
    input: { type: 'object', default: {}, properties: { a: { type: 'boolean', default: true } } },
    output: { type: 'object', properties: { a: { type: 'boolean', default: true } } },
  },
  {
    name: 'exclusive minimum stays in OpenAPI 3.0 form',
    input: { type: 'number', minimum: 0, exclusiveMinimum: true },
    output: { type: 'number', minimum: 0, exclusiveMinimum: true },
  },
  { name: 'unknown formats are dropped', input: { type: 'string', format: 'cuid2' }, output: { type: 'string' } },
  { name: 'known formats stay', input: { type: 'string', format: 'date-time' }, output: { type: 'string', format: 'date-time' } },
  {
    name: 'array of unknown items',
    input: { type: 'array', items: {} },
    output: { type: 'array', items: PRESERVE },
  },
];

for (const { name, input, output } of cases) {
  test(`toStructural: ${name}`, () => assert.deepEqual(toStructural(input, 'x'), output));
}

for (const input of [{ $ref: '#/$defs/a' }, { allOf: [{ type: 'string' }] }, { type: ['string', 'null'] }]) {
  test(`toStructural refuses ${JSON.stringify(input)} with the field path`, () => {
    assert.throws(
      () => toStructural({ type: 'object', properties: { field: input } }, 'Kind.spec'),
      (error: unknown) => error instanceof UnsupportedSchemaError && error.message.startsWith('Kind.spec.field:'),
    );
  });
}
