import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowAutoConfWrites, autoConfMode, protectAutoConf, replaceAutoConf } from './alter-system.js';

test('before PostgreSQL 17 the file mode decides; from 17 the server setting does', () => {
  assert.equal(autoConfMode(15, false), 0o400);
  assert.equal(autoConfMode(16, true), 0o600);
  assert.equal(autoConfMode(17, false), undefined);
});

test('postgresql.auto.conf made read-only, writable again, and replaced whatever its mode', () => {
  const pgdata = mkdtempSync(join(tmpdir(), 'extensions-autoconf-'));
  try {
    const file = join(pgdata, 'postgresql.auto.conf');
    assert.equal(protectAutoConf(pgdata, 15, false), false, 'no file, nothing to do');
    writeFileSync(file, '# x\n', { mode: 0o600 });
    assert.equal(protectAutoConf(pgdata, 15, false), true);
    assert.equal(statSync(file).mode & 0o777, 0o400);
    assert.equal(protectAutoConf(pgdata, 15, false), false, 'already so');
    allowAutoConfWrites(pgdata);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    protectAutoConf(pgdata, 15, false);
    replaceAutoConf(pgdata, '# emptied\n');
    assert.equal(readFileSync(file, 'utf8'), '# emptied\n');
    assert.equal(protectAutoConf(pgdata, 17, false), false, 'a server with allow_alter_system keeps 0600');
  } finally {
    rmSync(pgdata, { recursive: true, force: true });
  }
});
