import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneOptions, pgBasebackupArguments } from './clone.js';

test('pg_basebackup streams WAL with the copy and never prompts for a password', () => {
  assert.deepEqual(pgBasebackupArguments('/i/pgdata', 'host=h passfile=/i/external/a/pgpass'), ['-D', '/i/pgdata', '-d', 'host=h passfile=/i/external/a/pgpass', '-X', 'stream', '-c', 'fast', '-w', '--no-password']);
});

test("the source's wal_sender_timeout is lifted, after the entry's own options", () => {
  assert.equal(cloneOptions(undefined), '-c wal_sender_timeout=0');
  assert.equal(cloneOptions('-c statement_timeout=0'), '-c statement_timeout=0 -c wal_sender_timeout=0');
});
