import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQuantity, parseQuantity } from './quantity.js';

const valid: [string, number][] = [
  ['1', 1],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['250m', 0.25],
  ['5Gi', 5 * 2 ** 30],
  ['512Mi', 512 * 2 ** 20],
  ['500M', 500e6],
  ['1k', 1000],
  ['1Ki', 1024],
  ['2Ti', 2 * 2 ** 40],
  ['1e3', 1000],
  ['+1G', 1e9],
];

for (const [text, value] of valid) {
  test(`quantity ${text} = ${value}`, () => assert.equal(parseQuantity(text), value));
}

for (const text of ['5Gb', 'abc', '', 'Gi', '5 Gi', '1.2.3', '5gi', '10KB', '-']) {
  test(`"${text}" is not a quantity`, () => assert.equal(isQuantity(text), false));
}

test('binary and decimal forms compare by value', () => {
  assert.equal(parseQuantity('1Gi'), parseQuantity('1024Mi'));
  assert.ok((parseQuantity('1G') ?? 0) < (parseQuantity('1Gi') ?? 0));
});
