import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTooDeep, nestedDeeperThan } from './yaml-bounds.js';

test('the depth of YAML is found on its syntax tree, in every document, without recursion', () => {
  assert.equal(findTooDeep('a: {b: [1]}\n', 4), undefined);
  assert.deepEqual(findTooDeep('a: {b: [1]}\n', 3), { document: 1, line: 1, col: 9 });
  assert.deepEqual(findTooDeep('a: 1\n---\na: {b: [1]}\n', 2), { document: 2, line: 3, col: 5 });
  assert.deepEqual(findTooDeep(`${'- '.repeat(200_000)}x\n`), { document: 1, line: 1, col: 201 });
});

test('a decoded value nested deeper than the limit is found without recursion', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = { a: deep };
  assert.equal(nestedDeeperThan(deep), true);
  assert.equal(nestedDeeperThan({ spec: { instances: 3, postgresql: { parameters: { a: '1' } } } }), false);
  assert.equal(nestedDeeperThan([[[1]]], 2), true);
});
