import test from 'node:test';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareLsn, formatLsn, parseLsn, pgWalfileName, walFileName, nextWalFileName } from './lsn.js';

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

describe('pgWalfileName', () => {
  const cases: Array<[number, string, number | undefined, string]> = [
    [1, '0/A000060', undefined, '00000001000000000000000A'],
    [1, '0/3000000', undefined, '000000010000000000000002'],
    [1, '0/3000001', undefined, '000000010000000000000003'],
    [2, '1/2F000028', undefined, '00000002000000010000002F'],
    [16, 'FF/FFFFFFFF', undefined, '00000010000000FF000000FF'],
    [1, '0/0', undefined, '000000010000000000000000'],
    [1, '0/A000060', 64 * 1024 * 1024, '000000010000000000000002'],
    [1, '1/0', 1024 * 1024 * 1024, '000000010000000000000003'],
  ];
  for (const [tl, lsn, size, want] of cases) {
    it(`${tl} ${lsn} ${size ?? 'default'} → ${want}`, () => assert.equal(pgWalfileName(tl, lsn, size), want));
  }

  const errors: Array<[number, string, number | undefined, RegExp]> = [
    [1, '0-A', undefined, /invalid LSN "0-A"/],
    [0, '0/1', undefined, /invalid timeline 0/],
    [1, '0/1', 1000, /invalid WAL segment size 1000/],
  ];
  for (const [tl, lsn, size, message] of errors) {
    it(`rejects ${tl} ${lsn} ${size ?? ''}`, () => assert.throws(() => pgWalfileName(tl, lsn, size), message));
  }
});


test('nextWalFileName steps through segments and across log ids', () => {
  assert.equal(nextWalFileName('000000010000000000000003'), '000000010000000000000004');
  assert.equal(nextWalFileName('0000000200000000000000FF'), '000000020000000100000000');
  assert.equal(nextWalFileName('000000010000000000000FFF', 1024 * 1024), '000000010000000100000000');
  assert.equal(nextWalFileName('00000002.history'), undefined);
  assert.equal(nextWalFileName('000000010000000000000003.partial'), undefined);
});
