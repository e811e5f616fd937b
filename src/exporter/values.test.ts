import test from 'node:test';
import assert from 'node:assert/strict';
import { durationMilliseconds, numberArray, toLabel, toNumber } from './values.js';

const BOOL = 16;
const TIMESTAMPTZ = 1184;
const TEXT = 25;

test('numbers, booleans and times read as CloudNativePG reads them; NULL is NaN; text is not a number', () => {
  assert.equal(toNumber('42', 20), 42);
  assert.equal(toNumber('0.5', 701), 0.5);
  assert.equal(toNumber('t', BOOL), 1);
  assert.equal(toNumber('f', BOOL), 0);
  assert.equal(toNumber('2024-05-01 10:00:00+00', TIMESTAMPTZ), Date.UTC(2024, 4, 1, 10) / 1000);
  assert.equal(toNumber('2024-05-01 12:00:00.5+02', TIMESTAMPTZ), Date.UTC(2024, 4, 1, 10) / 1000 + 0.5);
  assert.equal(toNumber('2024-05-01 10:00:00+05:30', TIMESTAMPTZ), Date.UTC(2024, 4, 1, 4, 30) / 1000);
  assert.ok(Number.isNaN(toNumber(null, 20)));
  assert.equal(toNumber('high', TEXT), undefined);
  assert.equal(toNumber('', TEXT), undefined);
});

test('labels: text as is, booleans as true/false, NULL empty', () => {
  assert.equal(toLabel('app', TEXT), 'app');
  assert.equal(toLabel('t', BOOL), 'true');
  assert.equal(toLabel(null, TEXT), '');
});

test('durations: Go style and PostgreSQL intervals, in milliseconds; -1 and nonsense yield nothing', () => {
  assert.equal(durationMilliseconds('1h2m3.5s'), 3_723_500);
  assert.equal(durationMilliseconds('250ms'), 250);
  assert.equal(durationMilliseconds('00:00:01.5'), 1500);
  assert.equal(durationMilliseconds('1 day 01:00:00'), 90_000_000);
  assert.equal(durationMilliseconds('-1'), undefined);
  assert.equal(durationMilliseconds('soon'), undefined);
  assert.equal(durationMilliseconds(null), undefined);
});

test('number arrays as PostgreSQL prints them', () => {
  assert.deepEqual(numberArray('{0.1,0.5,1}'), [0.1, 0.5, 1]);
  assert.deepEqual(numberArray('{}'), []);
  assert.equal(numberArray('{a,b}'), undefined);
  assert.equal(numberArray('1,2'), undefined);
});
