import test from 'node:test';
import assert from 'node:assert/strict';
import { initdbLocationOption } from './initdb-options.js';

test('initdb options that choose where data or WAL live are found in every form getopt accepts', () => {
  for (const [arg, found] of [
    ['--waldir=/tmp/elsewhere', '--waldir'],
    ['--waldir', '--waldir'],
    ['--wald=/x', '--wald'],
    ['--xlogdir=/x', '--xlogdir'],
    ['-X', '-X'],
    ['-X/tmp/wal', '-X'],
    ['-kX/tmp/wal', '-X'],
    ['-D/other', '-D'],
    ['--pgdata=/other', '--pgdata'],
  ] as const) {
    assert.equal(initdbLocationOption(arg), found, arg);
  }
  for (const arg of ['--data-checksums', '-k', '--wal-segsize=32', '-Uadmin', '-EUTF8X', '--', '/tmp/wal', '-', '--locale=C']) {
    assert.equal(initdbLocationOption(arg), undefined, arg);
  }
});
