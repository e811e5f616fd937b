import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  archiveWal,
  openBlobStore,
  restoreWal,
  uploadBaseBackupTar,
  writeBackupInfo,
  type BlobStore,
  type Compression,
  type ObjectStoreError,
} from '../src/objectstore/index.js';
import { barman } from './objectstore-barman.js';
import { assertSameTree, baseBackupRoundTrip, doneInfo, makeTree, retentionDeletesOldBackupsAndWal, splitBackup, tarOf, walLike, walRoundTrips } from './objectstore-scenarios.js';
import { startS3Server, type S3Server } from './support/s3.js';

let dir: string;
let s3: S3Server;
let store: BlobStore;
const BUCKET = 'cnpg-objectstore';
const DEST = `s3://${BUCKET}/backups/`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnpg-objectstore-s3-'));
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  store = openBlobStore({ destinationPath: DEST, serverName: 'pg', endpointURL: s3.endpoint, s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
});
after(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('S3 store basics and error kinds', async () => {
  await store.put('pg/x/one', Buffer.from('1'));
  assert.equal(await store.exists('pg/x/one'), true);
  assert.equal(await store.exists('pg/x/two'), false);
  await assert.rejects(store.get('pg/x/two'), (err: ObjectStoreError) => err.kind === 'not-found');
  // More than one page of listing and more than one delete batch.
  const keys = Array.from({ length: 1105 }, (_, i) => `pg/many/${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.put(k, Buffer.from('x'))));
  assert.equal((await store.list('pg/many/')).length, 1105);
  await store.delete(keys);
  assert.deepEqual(await store.list('pg/many/'), []);
  assert.equal(store.describe(), `s3://${BUCKET}/backups (endpoint ${s3.endpoint})`);
  assert.doesNotMatch(store.describe(), new RegExp(s3.secretAccessKey));

  const noBucket = openBlobStore({ destinationPath: 's3://no-such-bucket/x', serverName: 'pg', endpointURL: s3.endpoint, s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await assert.rejects(noBucket.list('pg/'), (err: ObjectStoreError) => err.kind === 'not-found' && /bucket/.test(err.message));
});

test('a dead endpoint fails fast as unreachable', async () => {
  const dead = openBlobStore({ destinationPath: DEST, serverName: 'pg', endpointURL: 'http://127.0.0.1:9', s3: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const started = Date.now();
  await assert.rejects(dead.list('pg/'), (err: ObjectStoreError) => err.kind === 'unreachable' && !err.message.includes('b'.repeat(2)));
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('WAL archive and restore, every codec', () => walRoundTrips(store, dir));
test('base backup round trip over multipart upload', () => baseBackupRoundTrip(store, dir, 'gzip'));
test('split backups', () => splitBackup(store, dir));
test('retention', () => retentionDeletesOldBackupsAndWal(store, dir));

const env = () => ({ endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });

test('barman-cloud-wal-restore reads WAL we archived', async () => {
  const codecs: (Compression | undefined)[] = [undefined, 'gzip', 'bzip2', 'snappy'];
  let n = 0x20;
  for (const c of codecs) {
    const name = `0000000100000000000000${(n++).toString(16).toUpperCase()}`;
    await mkdir(join(dir, 'ours'), { recursive: true });
    const src = join(dir, 'ours', name);
    const data = walLike(256 * 1024);
    await writeFile(src, data);
    await archiveWal(store, 'interop', src, c ? { compression: c } : {});
    const dest = join(dir, `barman-restored-${name}`);
    const r = await barman('barman-cloud-wal-restore', [DEST, 'interop', name, dest], env());
    assert.equal(r.code, 0, `barman-cloud-wal-restore (${c ?? 'none'}): ${r.stderr}`);
    assert.ok((await readFile(dest)).equals(data), `barman restored our ${c ?? 'uncompressed'} WAL byte-identical`);
  }
});

test('restoreWal reads WAL archived by barman-cloud-wal-archive', async () => {
  const flags: [string[], string][] = [[[], ''], [['--gzip'], '.gz'], [['--bzip2'], '.bz2'], [['--snappy'], '.snappy']];
  let n = 0x30;
  for (const [flag, ext] of flags) {
    const name = `0000000100000000000000${(n++).toString(16).toUpperCase()}`;
    const walDir = join(dir, `pg_wal_${n}`);
    await mkdir(walDir);
    const data = walLike(256 * 1024);
    await writeFile(join(walDir, name), data);
    const r = await barman('barman-cloud-wal-archive', [...flag, DEST, 'interop', join(walDir, name)], env());
    assert.equal(r.code, 0, `barman-cloud-wal-archive ${flag.join(' ')}: ${r.stderr}`);
    assert.equal(await store.exists(`interop/wals/0000000100000000/${name}${ext}`), true);
    const dest = join(dir, `ours-restored-${name}`);
    assert.equal(await restoreWal(store, 'interop', name, dest), 'restored');
    assert.ok((await readFile(dest)).equals(data), `we restored barman's ${flag.join('') || 'uncompressed'} WAL byte-identical`);
  }
});

test('barman-cloud-backup-list and barman-cloud-restore read a backup we uploaded', async () => {
  for (const compression of ['gzip', 'snappy', 'bzip2', undefined] as const) {
    const server = `bk-${compression ?? 'none'}`;
    const src = join(dir, `tree-${server}`);
    await mkdir(src);
    await makeTree(src);
    const id = '20240115T134100';
    await uploadBaseBackupTar(store, server, id, await tarOf(src), compression ? { compression } : {});
    await writeBackupInfo(store, server, doneInfo(id, new Date('2024-01-15T13:41:00Z'), '000000010000000000000002', { backupName: 'my-backup', ...(compression ? { compression } : {}) }));

    const list = await barman('barman-cloud-backup-list', ['--format', 'json', DEST, server], env());
    assert.equal(list.code, 0, list.stderr);
    const parsed = JSON.parse(list.stdout) as { backups_list: Record<string, unknown>[] };
    const entry = parsed.backups_list[0];
    assert.equal(parsed.backups_list.length, 1);
    assert.equal(entry?.backup_id, id);
    assert.equal(entry?.backup_name, 'my-backup');
    assert.equal(entry?.begin_wal, '000000010000000000000002');
    assert.equal(entry?.end_wal, '000000010000000000000002');
    assert.equal(entry?.status, 'DONE');

    const dest = join(dir, `barman-restore-${server}`);
    const restored = await barman('barman-cloud-restore', [DEST, server, id, dest], env());
    assert.equal(restored.code, 0, restored.stderr);
    // barman-cloud-restore recreates the missing pg_wal with Python's default mode.
    await mkdir(join(src, 'pg_wal'), { mode: 0o755 });
    await assertSameTree(src, dest);
  }
});
