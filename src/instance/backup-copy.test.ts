import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarEntry } from '../objectstore/index.js';
import { copyTree, pgdataRules, requireFolder, tablespaceRules } from './backup-copy.js';

test('PGDATA leaves out what only the running server needs, as pg_basebackup and barman do', () => {
  for (const f of ['postmaster.pid', 'postmaster.opts', 'backup_label', 'backup_label.old', 'tablespace_map', 'tablespace_map.old', 'standby.signal', 'recovery.signal', 'global/pg_control']) {
    assert.equal(pgdataRules(f, 'file'), 'skip', f);
  }
  for (const d of ['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']) assert.equal(pgdataRules(d, 'directory'), 'empty', d);
  assert.equal(pgdataRules('pg_wal', 'symlink'), 'empty', 'a pg_wal link (walStorage) comes back a folder');
  assert.equal(pgdataRules('base/pgsql_tmp', 'directory'), 'skip');
  assert.equal(pgdataRules('base/5/pgsql_tmp123.4', 'file'), 'skip');
  assert.equal(pgdataRules('global/pg_internal.init', 'file'), 'skip');
  assert.equal(pgdataRules('pg_tblspc/16385', 'symlink'), 'skip', "a tablespace's link: the tablespace is its own archive");
  assert.equal(pgdataRules('pg_tblspc', 'directory'), 'keep');
  assert.equal(pgdataRules('pg_tblspc/16386', 'directory'), 'keep', 'an in-place tablespace is PGDATA');
  for (const f of ['PG_VERSION', 'base/5/1259', 'global/1262', 'postgresql.conf', 'postgresql.auto.conf', 'pg_xact/0000', 'cnpg_tablespaces']) assert.equal(pgdataRules(f, 'file'), 'keep', f);
  assert.equal(pgdataRules('base/backup_label', 'file'), 'keep', 'only the top-level names are the server’s');
});

test("a tablespace's archive holds this major's folder only", () => {
  const rules = tablespaceRules(16);
  assert.equal(rules('PG_16_202307071', 'directory'), 'keep');
  assert.equal(rules('PG_16_202307071/5/16390', 'file'), 'keep');
  assert.equal(rules('PG_16_202307071/pgsql_tmp', 'directory'), 'skip');
  assert.equal(rules('PG_15_202209061', 'directory'), 'skip');
  assert.equal(rules('PG_160_1', 'directory'), 'skip');
  assert.equal(rules('lost+found', 'directory'), 'skip');
});

test('copyTree walks in name order, keeps links, and empties pg_wal even where it is a link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-copy-'));
  try {
    mkdirSync(join(dir, 'base/5'), { recursive: true });
    writeFileSync(join(dir, 'base/5/1259'), 'page');
    writeFileSync(join(dir, 'postmaster.pid'), '1');
    mkdirSync(join(dir, 'elsewhere-wal'));
    writeFileSync(join(dir, 'elsewhere-wal/000000010000000000000001'), 'wal');
    symlinkSync(join(dir, 'elsewhere-wal'), join(dir, 'pg_wal'));
    mkdirSync(join(dir, 'pg_tblspc'));
    symlinkSync('/somewhere', join(dir, 'pg_tblspc/16385'));
    symlinkSync('../tablespaces', join(dir, 'cnpg_tablespaces'));
    const seen: TarEntry[] = [];
    await copyTree({ add: async (e) => void seen.push(e) }, dir, (p, k) => (p.startsWith('elsewhere') ? 'skip' : pgdataRules(p, k)));
    assert.deepEqual(seen.map((e) => `${e.type} ${e.name}${e.linkname ? ` -> ${e.linkname}` : ''}${e.size !== undefined ? ` (${e.size})` : ''}`), [
      'directory base',
      'directory base/5',
      'file base/5/1259 (4)',
      'symlink cnpg_tablespaces -> ../tablespaces',
      'directory pg_tblspc',
      'directory pg_wal',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tablespace folder that is not there fails the backup instead of storing an empty archive', async () => {
  await assert.rejects(requireFolder('/nonexistent/tbs-copy', 'tablespace analytics'), /cannot back up tablespace analytics: ENOENT/);
  await requireFolder(tmpdir(), 'a folder');
});
