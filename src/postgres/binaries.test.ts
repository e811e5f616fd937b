import test from 'node:test';
import assert from 'node:assert/strict';
import { PostgresNotInstalledError, findInstallations, resolveInstallation } from './binaries.js';

const fake = [
  { major: 16, version: '16.4', binDir: '/opt/pg16/bin' },
  { major: 15, version: '15.18', binDir: '/usr/lib/postgresql/15/bin' },
];

test('resolveInstallation picks the asked major or the newest', () => {
  assert.equal(resolveInstallation(15, fake).binDir, '/usr/lib/postgresql/15/bin');
  assert.equal(resolveInstallation(undefined, fake).major, 16);
});

test('a missing major names the installed ones', () => {
  assert.throws(
    () => resolveInstallation(17, fake),
    (e: unknown) =>
      e instanceof PostgresNotInstalledError && /PostgreSQL 17 is not installed .*installed: 16, 15/.test(e.message),
  );
  assert.throws(() => resolveInstallation(15, []), /no PostgreSQL server binaries found/);
});

test('finds the real server installed on this machine', () => {
  const found = findInstallations();
  assert.ok(found.length > 0, 'expected at least one PostgreSQL installation');
  for (const inst of found) assert.match(inst.version, /^\d+/);
});
