import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarEntry } from '../objectstore/index.js';
import { isTemporaryRelationFile, leftOutOfDatabaseFolder, parseRelationFile } from './relation-files.js';
import { copyTree, pgdataRules, requireFolder, tablespaceRules } from './backup-copy.js';

const none: ReadonlySet<string> = new Set();

test('PGDATA leaves out what only the running server needs, as pg_basebackup and barman do', () => {
  for (const f of ['postmaster.pid', 'postmaster.opts', 'backup_label', 'backup_label.old', 'tablespace_map', 'tablespace_map.old', 'standby.signal', 'recovery.signal', 'global/pg_control']) {
    assert.equal(pgdataRules(f, 'file', none), 'skip', f);
  }
  for (const d of ['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']) assert.equal(pgdataRules(d, 'directory', none), 'empty', d);
  assert.equal(pgdataRules('pg_wal', 'symlink', none), 'empty', 'a pg_wal link (walStorage) comes back a folder');
  assert.equal(pgdataRules('base/pgsql_tmp', 'directory', none), 'skip');
  assert.equal(pgdataRules('base/5/pgsql_tmp123.4', 'file', none), 'skip');
  assert.equal(pgdataRules('global/pg_internal.init', 'file', none), 'skip');
  assert.equal(pgdataRules('pg_tblspc/16385', 'symlink', none), 'skip', "a tablespace's link: the tablespace is its own archive");
  assert.equal(pgdataRules('pg_tblspc', 'directory', none), 'keep');
  assert.equal(pgdataRules('pg_tblspc/16386', 'directory', none), 'keep', 'an in-place tablespace is PGDATA');
  for (const f of ['PG_VERSION', 'base/5/1259', 'global/1262', 'postgresql.conf', 'postgresql.auto.conf', 'pg_xact/0000', 'cnpg_tablespaces']) assert.equal(pgdataRules(f, 'file', none), 'keep', f);
  assert.equal(pgdataRules('base/backup_label', 'file', none), 'keep', 'only the top-level names are the server’s');
});

test("a tablespace's archive holds this major's folder only", () => {
  const rules = tablespaceRules(16);
  assert.equal(rules('PG_16_202307071', 'directory', none), 'keep');
  assert.equal(rules('PG_16_202307071/5/16390', 'file', none), 'keep');
  assert.equal(rules('PG_16_202307071/pgsql_tmp', 'directory', none), 'skip');
  assert.equal(rules('PG_15_202209061', 'directory', none), 'skip');
  assert.equal(rules('PG_160_1', 'directory', none), 'skip');
  assert.equal(rules('lost+found', 'directory', none), 'skip');
});

test('an unlogged relation keeps only its init fork, in base/<db>/ and in a tablespace, as pg_basebackup does', () => {
  const db = new Set(['16390', '16390.1', '16390_fsm', '16390_vm', '16390_init', '16391', '16391_fsm', 't3_16395', 't3_16395_fsm', 't3_16395.2', 'PG_VERSION', 'pg_filenode.map']);
  for (const f of ['16390', '16390.1', '16390_fsm', '16390_vm', 't3_16395', 't3_16395_fsm', 't3_16395.2']) {
    assert.equal(pgdataRules(`base/5/${f}`, 'file', db), 'skip', `base/5/${f}`);
    assert.equal(pgdataRules(`pg_tblspc/16386/PG_16_202307071/5/${f}`, 'file', db), 'skip', `in-place tablespace: ${f}`);
    assert.equal(tablespaceRules(16)(`PG_16_202307071/5/${f}`, 'file', db), 'skip', `tablespace: ${f}`);
  }
  for (const f of ['16390_init', '16391', '16391_fsm', 'PG_VERSION', 'pg_filenode.map']) {
    assert.equal(pgdataRules(`base/5/${f}`, 'file', db), 'keep', `base/5/${f}`);
    assert.equal(tablespaceRules(16)(`PG_16_202307071/5/${f}`, 'file', db), 'keep', `tablespace: ${f}`);
  }
  // Only a database folder's files: base/<oid>/ or a tablespace's PG_<major>_<catversion>/<oid>/.
  assert.equal(pgdataRules('global/16390', 'file', db), 'keep', 'global/ is no database folder');
  assert.equal(pgdataRules('base/5x/16390', 'file', db), 'keep', 'a folder not named by an oid');
  assert.equal(pgdataRules('other/base/5/16390', 'file', db), 'keep', 'base/ only at the top of PGDATA');
  assert.equal(pgdataRules('base/5/sub/16390', 'file', db), 'keep', 'not below a database folder');
  assert.equal(tablespaceRules(16)('PG_16_202307071/16390', 'file', db), 'keep');
});

test('relation file names are read as PostgreSQL reads them', () => {
  assert.deepEqual(parseRelationFile('16390'), { relNumber: '16390', fork: 'main' });
  assert.deepEqual(parseRelationFile('16390.12'), { relNumber: '16390', fork: 'main' });
  assert.deepEqual(parseRelationFile('16390_vm'), { relNumber: '16390', fork: 'vm' });
  assert.deepEqual(parseRelationFile('16390_init.1'), { relNumber: '16390', fork: 'init' });
  for (const n of ['016390', '16390_main', '16390_fsmx', '16390.', '16390.0', '16390.01', '4294967296', 'PG_VERSION', 'pg_filenode.map', '']) assert.equal(parseRelationFile(n), undefined, n);
  for (const n of ['t3_16395', 't3_16395_init', 't12_5.3']) assert.ok(isTemporaryRelationFile(n), n);
  for (const n of ['t_16395', 't3_', 't3_16395_main', 'tx_1', '16395']) assert.ok(!isTemporaryRelationFile(n), n);
  assert.ok(!leftOutOfDatabaseFolder('16390_init', new Set(['16390', '16390_init'])), 'the init fork itself is always copied');
  assert.ok(!leftOutOfDatabaseFolder('16390', new Set(['16390', '163900_init'])), 'another relation’s init fork');
});

test('copyTree walks in name order, keeps links, empties pg_wal even where it is a link, and sees an init fork beside its relation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-copy-'));
  try {
    mkdirSync(join(dir, 'base/5'), { recursive: true });
    writeFileSync(join(dir, 'base/5/1259'), 'page');
    for (const f of ['16390', '16390_fsm', '16390_init']) writeFileSync(join(dir, 'base/5', f), 'unlogged');
    writeFileSync(join(dir, 'postmaster.pid'), '1');
    mkdirSync(join(dir, 'elsewhere-wal'));
    writeFileSync(join(dir, 'elsewhere-wal/000000010000000000000001'), 'wal');
    symlinkSync(join(dir, 'elsewhere-wal'), join(dir, 'pg_wal'));
    mkdirSync(join(dir, 'pg_tblspc'));
    symlinkSync('/somewhere', join(dir, 'pg_tblspc/16385'));
    symlinkSync('../tablespaces', join(dir, 'cnpg_tablespaces'));
    const seen: TarEntry[] = [];
    await copyTree({ add: async (e) => void seen.push(e) }, dir, (p, k, s) => (p.startsWith('elsewhere') ? 'skip' : pgdataRules(p, k, s)));
    assert.deepEqual(seen.map((e) => `${e.type} ${e.name}${e.linkname ? ` -> ${e.linkname}` : ''}${e.size !== undefined ? ` (${e.size})` : ''}`), [
      'directory base',
      'directory base/5',
      'file base/5/1259 (4)',
      'file base/5/16390_init (8)',
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
