import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneOptions, emptyStorage, ensureTablespaceFolders, placeWal, relinkTablespaces, TABLESPACE_LINK, walAwaitsMove } from './storage.js';
import type { StorageLayout } from './storage-layout.js';

function instance(): { root: string; pgdata: string; layout: StorageLayout } {
  const root = mkdtempSync(join(tmpdir(), 'storage-unit-'));
  const pgdata = join(root, 'pgdata');
  mkdirSync(join(pgdata, 'pg_wal', 'archive_status'), { recursive: true });
  writeFileSync(join(pgdata, 'PG_VERSION'), '15\n');
  writeFileSync(join(pgdata, 'pg_wal', '000000010000000000000001'), 'segment');
  writeFileSync(join(pgdata, 'pg_wal', 'archive_status', '000000010000000000000001.ready'), '');
  const layout: StorageLayout = {
    walDirectory: join(root, 'wal'),
    tablespaces: [{ name: 'idx', owner: 'app', temporary: false, directory: join(root, 'tablespaces', 'idx'), location: `/proc/self/cwd/${TABLESPACE_LINK}/idx` }],
  };
  return { root, pgdata, layout };
}

test('pg_wal moves to the WAL folder and becomes a link to it; running it again changes nothing', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.equal(walAwaitsMove(layout, pgdata), true);
  placeWal(layout, pgdata);
  assert.equal(readlinkSync(join(pgdata, 'pg_wal')), layout.walDirectory);
  assert.equal(readFileSync(join(root, 'wal', '000000010000000000000001'), 'utf8'), 'segment');
  assert.ok(existsSync(join(root, 'wal', 'archive_status', '000000010000000000000001.ready')));
  assert.equal(walAwaitsMove(layout, pgdata), false);
  placeWal(layout, pgdata);
  assert.deepEqual(readdirSync(join(root, 'wal')).sort(), ['000000010000000000000001', 'archive_status']);
});

test('a move cut short is finished: files on both sides merge, and a missing pg_wal is linked', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'wal', 'archive_status'), { recursive: true });
  writeFileSync(join(root, 'wal', '000000010000000000000000'), 'moved before the crash');
  placeWal(layout, pgdata);
  assert.deepEqual(readdirSync(join(root, 'wal')).sort(), ['000000010000000000000000', '000000010000000000000001', 'archive_status']);
  rmSync(join(pgdata, 'pg_wal'));
  placeWal(layout, pgdata);
  assert.equal(readlinkSync(join(pgdata, 'pg_wal')), layout.walDirectory);
});

test('without walStorage, or before there is any data, nothing moves', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  placeWal({ tablespaces: [] }, pgdata);
  placeWal(undefined, pgdata);
  assert.equal(walAwaitsMove(undefined, pgdata), false);
  assert.ok(lstatSync(join(pgdata, 'pg_wal')).isDirectory());
  placeWal(layout, join(root, 'none'));
  assert.equal(existsSync(join(root, 'wal')), false);
});

test('a link copied from another instance is pointed at this instance’s WAL folder', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  rmSync(join(pgdata, 'pg_wal'), { recursive: true });
  symlinkSync('/elsewhere/wal', join(pgdata, 'pg_wal'));
  placeWal(layout, pgdata);
  assert.equal(readlinkSync(join(pgdata, 'pg_wal')), layout.walDirectory);
});

test('tablespace folders are made private, with a relative link from PGDATA that the location goes through', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  ensureTablespaceFolders(layout, pgdata);
  assert.equal(lstatSync(join(root, 'tablespaces', 'idx')).mode & 0o777, 0o700);
  assert.equal(readlinkSync(join(pgdata, TABLESPACE_LINK)), '../tablespaces');
  ensureTablespaceFolders(layout, pgdata);
  assert.ok(existsSync(join(pgdata, TABLESPACE_LINK, 'idx')));
  // Where the location is the folder itself (a Pod's mount), no link is needed.
  const pod: StorageLayout = { tablespaces: [{ ...layout.tablespaces[0]!, location: layout.tablespaces[0]!.directory }] };
  rmSync(join(pgdata, TABLESPACE_LINK));
  ensureTablespaceFolders(pod, pgdata);
  assert.equal(existsSync(join(pgdata, TABLESPACE_LINK)), false);
});

test('a clone streams WAL into its folder and maps each tablespace from the shared location to this instance’s folder', () => {
  const layout: StorageLayout = {
    walDirectory: '/i/wal',
    tablespaces: [
      { name: 'a', owner: 'app', temporary: false, directory: '/i/tablespaces/a', location: '/proc/self/cwd/cnpg_tablespaces/a' },
      { name: 'b', owner: 'app', temporary: false, directory: '/t/b/data', location: '/t/b/data' },
    ],
  };
  assert.deepEqual(cloneOptions(layout), ['--waldir=/i/wal', '--tablespace-mapping=/proc/self/cwd/cnpg_tablespaces/a=/i/tablespaces/a']);
  assert.deepEqual(cloneOptions(undefined), []);
});

test('after a mapped clone, pg_tblspc links name the shared location again; other links stay', (t) => {
  const { root, pgdata, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(pgdata, 'pg_tblspc'));
  symlinkSync(layout.tablespaces[0]!.directory, join(pgdata, 'pg_tblspc', '16384'));
  symlinkSync('/somewhere/else', join(pgdata, 'pg_tblspc', '16385'));
  relinkTablespaces(layout, pgdata);
  assert.equal(readlinkSync(join(pgdata, 'pg_tblspc', '16384')), layout.tablespaces[0]!.location);
  assert.equal(readlinkSync(join(pgdata, 'pg_tblspc', '16385')), '/somewhere/else');
});

test('a bootstrap empties the WAL and tablespace folders, keeping the folders', (t) => {
  const { root, layout } = instance();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'wal', 'x'), { recursive: true });
  mkdirSync(join(root, 'tablespaces', 'idx', 'PG_15_1'), { recursive: true });
  emptyStorage(layout);
  assert.deepEqual(readdirSync(join(root, 'wal')), []);
  assert.deepEqual(readdirSync(join(root, 'tablespaces', 'idx')), []);
});
