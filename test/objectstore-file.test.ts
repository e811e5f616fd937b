import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { ObjectStoreError, openBlobStore, type BlobStore } from '../src/objectstore/index.js';
import { baseBackupRoundTrip, hostileArchive, retentionDeletesOldBackupsAndWal, splitBackup, walRoundTrips } from './objectstore-scenarios.js';

let dir: string;
let store: BlobStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnpg-objectstore-file-'));
  store = openBlobStore({ destinationPath: pathToFileURL(join(dir, 'store')).href, serverName: 'pg' });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('file store basics: put, get, exists, list, delete', async () => {
  await store.put('pg/a/b.txt', Buffer.from('hello'));
  assert.equal(await store.exists('pg/a/b.txt'), true);
  assert.equal(await store.exists('pg/a/missing'), false);
  const chunks: Buffer[] = [];
  for await (const c of await store.get('pg/a/b.txt')) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'hello');
  await assert.rejects(store.get('pg/a/missing'), (err: ObjectStoreError) => err.kind === 'not-found');
  assert.deepEqual((await store.list('pg/a')).map((e) => [e.key, e.size]), [['pg/a/b.txt', 5]]);
  assert.deepEqual(await store.list('nothing/'), []);
  await store.delete(['pg/a/b.txt', 'pg/a/never-existed']);
  assert.equal(await store.exists('pg/a/b.txt'), false);
  await assert.rejects(store.put('../outside', Buffer.from('x')), (err: ObjectStoreError) => err.kind === 'invalid');
  // No temporary files are left behind, nor the folders of deleted objects.
  assert.deepEqual(await readdir(join(dir, 'store')), []);
  assert.match(store.describe(), /^file:\/\//);
});

test('unsupported destinations are refused with a hint', () => {
  assert.throws(() => openBlobStore({ destinationPath: 'azure://x', serverName: 'pg' }), /use s3:\/\/bucket\/prefix, https:\/\/ACCOUNT\.blob\.core\.windows\.net\/CONTAINER\/prefix, gs:\/\/bucket\/prefix or file:\/\//);
});

test('WAL archive and restore, every codec', () => walRoundTrips(store, dir));
test('base backup round trip, uncompressed', () => baseBackupRoundTrip(store, dir, undefined));
test('base backup round trip, gzip', () => baseBackupRoundTrip(store, dir, 'gzip'));
test('base backup round trip, bzip2', () => baseBackupRoundTrip(store, dir, 'bzip2'));
test('base backup round trip, snappy', () => baseBackupRoundTrip(store, dir, 'snappy'));
test('base backup round trip, zstd', () => baseBackupRoundTrip(store, dir, 'zstd'));
test('base backup round trip, xz', () => baseBackupRoundTrip(store, dir, 'xz'));
test('lz4 is refused for base backups', async () => {
  const { Readable } = await import('node:stream');
  const { uploadBaseBackupTar } = await import('../src/objectstore/index.js');
  await assert.rejects(uploadBaseBackupTar(store, 'pg', '20240101T000000', Readable.from([]), { compression: 'lz4' }), /WAL only/);
});
test('split backups are extracted part after part', () => splitBackup(store, dir));
test('hostile archives are refused', () => hostileArchive(store, dir));
test('retention deletes obsolete backups and their WAL', () => retentionDeletesOldBackupsAndWal(store, dir));
