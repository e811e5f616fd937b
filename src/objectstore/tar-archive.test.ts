import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileBlobStore } from './file-store.js';
import { extractBaseBackup } from './extract.js';
import { findTarParts } from './backup-files.js';
import { TarArchiveUpload } from './tar-archive.js';

const entry = (name: string, size: number) => ({ name, type: 'file' as const, mode: 0o600, mtime: new Date(0), size });

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

test('a body shorter than its header is padded with zeros, a longer one cut, as tar does with a file changing while read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-tar-'));
  try {
    const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
    const data = new TarArchiveUpload(store, 'pg', '20260101T000000', 'data', { compression: 'gzip' });
    await data.add({ name: 'base', type: 'directory', mode: 0o700, mtime: new Date(0) });
    await data.add(entry('base/shrunk', 8), chunks('abc'));
    await data.add(entry('base/grown', 4), chunks('abcdef', 'ghi'));
    await data.add({ name: 'link', type: 'symlink', mode: 0o777, mtime: new Date(0), linkname: 'base' });
    const totals = await data.finish();
    assert.equal(totals.parts, 1);
    const tbs = new TarArchiveUpload(store, 'pg', '20260101T000000', '16385', { compression: 'gzip' });
    await tbs.add(entry('PG_16_1/f', 2), Buffer.from('ts'));
    await tbs.finish();
    const info = { backupId: '20260101T000000', status: 'DONE' as const, tablespaces: [{ name: 'one', oid: 16385, location: '/elsewhere' }] };
    await extractBaseBackup(store, 'pg', info, join(dir, 'pgdata'), [{ oid: 16385, directory: join(dir, 'one'), link: '/where/one/is' }]);
    assert.deepEqual(readFileSync(join(dir, 'pgdata/base/shrunk')), Buffer.from('abc\0\0\0\0\0'));
    assert.equal(readFileSync(join(dir, 'pgdata/base/grown'), 'utf8'), 'abcd');
    assert.equal(readFileSync(join(dir, 'one/PG_16_1/f'), 'utf8'), 'ts');
    assert.equal(readlinkSync(join(dir, 'pgdata/pg_tblspc/16385')), '/where/one/is');
    assert.equal(readlinkSync(join(dir, 'pgdata/link')), 'base');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an archive past its part size continues in data_0001…, each part a tar of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-tar-'));
  try {
    const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
    const data = new TarArchiveUpload(store, 'pg', '20260101T000000', 'data', { compression: 'gzip', maxPartBytes: 2048 });
    for (let i = 0; i < 5; i++) await data.add(entry(`f${i}`, 1000), Buffer.alloc(1000, i));
    const totals = await data.finish();
    assert.equal(totals.parts, 3);
    const parts = await findTarParts(store, 'pg', '20260101T000000', 'data');
    assert.deepEqual(parts.map((p) => p.key.split('/').pop()), ['data.tar.gz', 'data_0001.tar.gz', 'data_0002.tar.gz']);
    await extractBaseBackup(store, 'pg', { backupId: '20260101T000000', status: 'DONE' }, join(dir, 'pgdata'));
    assert.deepEqual(readdirSync(join(dir, 'pgdata')).sort(), ['f0', 'f1', 'f2', 'f3', 'f4', 'pg_wal']);
    assert.deepEqual(readFileSync(join(dir, 'pgdata/f4')), Buffer.alloc(1000, 4));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a backup tablespace without a folder, or a folder not empty, is refused before anything is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-tar-'));
  try {
    const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
    const info = { backupId: '20260101T000000', status: 'DONE' as const, tablespaces: [{ name: 'one', oid: 16385, location: '/x' }] };
    await assert.rejects(extractBaseBackup(store, 'pg', info, join(dir, 'pgdata')), /tablespace "one" \(oid 16385\)/);
    assert.deepEqual(readdirSync(dir), []);
    mkdirSync(join(dir, 'one'));
    writeFileSync(join(dir, 'one/left-over'), '');
    await assert.rejects(extractBaseBackup(store, 'pg', info, join(dir, 'pgdata'), [{ oid: 16385, directory: join(dir, 'one'), link: '/x' }]), /one: the directory is not empty/);
    assert.deepEqual(readdirSync(join(dir, 'pgdata')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
