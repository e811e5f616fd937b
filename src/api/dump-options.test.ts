import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgDumpOwnedOption, pgRestoreOwnedOption } from './dump-options.js';

test('pg_dump: connection and output options are the operator’s, in every spelling getopt takes', () => {
  for (const [arg, found] of [
    ['-f/tmp/x', '-f'],
    ['--file=/tmp/x', '--file'],
    ['--forma=c', '--forma'],
    ['-vd', '-d'],
    ['--host', '--host'],
    ['-Fc', '-F'],
    ['--password', '--password'],
    ['-W', '-W'],
  ] as const) {
    assert.equal(pgDumpOwnedOption(arg), found, arg);
  }
  for (const arg of ['--jobs=2', '-j2', '--no-owner', '--exclude-table=logs', '-Tlogs_fx', '--section=data', 'logs', '--no-password', '--f', '-Zfd']) {
    assert.equal(pgDumpOwnedOption(arg), undefined, arg);
  }
});

test('pg_restore: also --create and --list are the operator’s', () => {
  for (const arg of ['-C', '--create', '-l', '--list', '--dbname=other', '-d', '-U', '-h', '-p5432']) assert.ok(pgRestoreOwnedOption(arg), arg);
  for (const arg of ['--jobs=2', '--no-comments', '--exit-on-error', '--single-transaction', '-e', '-Ffd', '--use-list=x']) assert.equal(pgRestoreOwnedOption(arg), undefined, arg);
});
