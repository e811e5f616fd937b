import test from 'node:test';
import assert from 'node:assert/strict';
import { compareLsn, formatLsn, parseLsn, walFileName } from './lsn.js';

test('parseLsn and formatLsn round-trip', () => {
  for (const s of ['0/0', '0/16B3748', '1/A000060', 'FFFFFFFF/FFFFFFFF']) {
    assert.equal(formatLsn(parseLsn(s)), s);
  }
  assert.equal(parseLsn('1/0'), 1n << 32n);
});

test('parseLsn rejects junk with the expected form', () => {
  assert.throws(() => parseLsn('16B3748'), /expected the form 0\/16B3748/);
  assert.throws(() => parseLsn('0/XYZ'), /invalid LSN/);
});

test('compareLsn orders by position and puts missing first', () => {
  const cases: Array<[string | undefined, string | undefined, number]> = [
    ['0/3000000', '0/2000000', 1],
    ['0/2000000', '0/3000000', -1],
    ['1/0', '0/FFFFFFFF', 1],
    ['0/10', '0/10', 0],
    [undefined, '0/1', -1],
    ['0/1', undefined, 1],
  ];
  for (const [a, b, want] of cases) assert.equal(compareLsn(a, b), want, `${a} vs ${b}`);
});

test('walFileName matches PostgreSQL naming', () => {
  assert.equal(walFileName(1, '0/A000060'), '00000001000000000000000A');
  assert.equal(walFileName(2, '1/A000060'), '00000002000000010000000A');
  assert.equal(walFileName(1, '0/FF000000'), '0000000100000000000000FF');
  assert.equal(walFileName(1, '0/2000000', 1024 * 1024), '000000010000000000000020');
});
