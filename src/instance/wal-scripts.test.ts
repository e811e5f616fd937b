// The scripts are run by /bin/sh here, as PostgreSQL runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { archiveOrder } from './wal-archiver.js';
import { archiveScript, installScript, restoreScript } from './wal-scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'cnpg-scripts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, args: string[], cwd = dir): { code: number; ms: number } {
  const path = join(dir, `s-${Math.random().toString(36).slice(2)}.sh`);
  installScript(path, script);
  const t0 = performance.now();
  const r = spawnSync('/bin/sh', [path, ...args], { cwd });
  return { code: r.status ?? -1, ms: performance.now() - t0 };
}

test('archive_command succeeds once the segment is stored, fails fast while the store fails, and gives up after its wait', () => {
  const spool = join(dir, 'archive');
  mkdirSync(spool);
  writeFileSync(join(spool, '000000010000000000000001'), '');
  assert.equal(sh(archiveScript(spool), ['000000010000000000000001']).code, 0);
  writeFileSync(join(spool, 'FAILING'), 'access denied\n');
  const failing = sh(archiveScript(spool), ['000000010000000000000002']);
  assert.equal(failing.code, 1);
  assert.ok(failing.ms < 500, `failed fast (${failing.ms} ms)`);
  rmSync(join(spool, 'FAILING'));
  const slow = sh(archiveScript(spool, 0.2), ['000000010000000000000002']);
  assert.equal(slow.code, 1, 'not stored within the wait: PostgreSQL keeps the segment and retries');
  assert.equal(sh(archiveScript(undefined), ['000000010000000000000003']).code, 0, 'no store configured');
  assert.equal(sh(archiveScript(undefined, undefined, 'ObjectStore gone does not exist'), ['000000010000000000000003']).code, 1, 'the store is missing: PostgreSQL keeps the segment');
});

test('restore_command asks for a file, moves it into place, and reports missing or timed-out fetches differently', () => {
  const spool = join(dir, 'restore');
  mkdirSync(join(spool, 'want'), { recursive: true });
  const pgdata = join(dir, 'pgdata');
  mkdirSync(join(pgdata, 'pg_wal'), { recursive: true });
  writeFileSync(join(spool, '000000010000000000000005'), 'wal');
  assert.equal(sh(restoreScript(spool), ['000000010000000000000005', 'pg_wal/RECOVERYXLOG'], pgdata).code, 0);
  assert.equal(readFileSync(join(pgdata, 'pg_wal', 'RECOVERYXLOG'), 'utf8'), 'wal');
  assert.ok(existsSync(join(spool, 'want', '000000010000000000000005')), 'the request tells the manager where replay is, for prefetching');
  writeFileSync(join(spool, '00000002.history.missing'), '');
  assert.equal(sh(restoreScript(spool), ['00000002.history', 'pg_wal/RECOVERYHISTORY'], pgdata).code, 1, 'missing: recovery may end here');
  assert.ok(!existsSync(join(spool, '00000002.history.missing')));
  assert.equal(sh(restoreScript(spool, 0.2), ['000000010000000000000006', 'pg_wal/RECOVERYXLOG'], pgdata).code, 255, 'no answer: recovery aborts rather than ending early');
});

test('history files are archived first, then segments oldest first', () => {
  assert.deepEqual(archiveOrder(['000000020000000000000003', '000000010000000000000003.partial', '00000002.history', '000000010000000000000002']), [
    '00000002.history',
    '000000010000000000000002',
    '000000010000000000000003.partial',
    '000000020000000000000003',
  ]);
});
