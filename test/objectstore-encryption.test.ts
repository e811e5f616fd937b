// Server-side encryption and tags on S3, checked on what the server recorded for each object, and
// against what barman-cloud-wal-archive itself writes with the same settings.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { archiveWal, openBlobStore, uploadBaseBackupTar, writeBackupInfo, type BlobStore, type ObjectPolicy } from '../src/objectstore/index.js';
import { barman } from './objectstore-barman.js';
import { doneInfo, makeTree, tarOf, walLike } from './objectstore-scenarios.js';
import { startS3Server, type S3Server } from './support/s3.js';

const BUCKET = 'cnpg-encryption';
const DEST = `s3://${BUCKET}/enc/`;
const POLICY: ObjectPolicy = {
  walEncryption: 'aws:kms',
  dataEncryption: 'AES256',
  tags: { team: 'db', 'cost center': 'a+b=c d' },
  historyTags: { kind: 'history' },
};

let dir: string;
let s3: S3Server;
let client: S3Client;
let store: BlobStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnpg-objectstore-enc-'));
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  store = openBlobStore({ destinationPath: DEST, serverName: 'pg', endpointURL: s3.endpoint, s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, objects: POLICY });
});
after(async () => {
  client?.destroy();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** What the server recorded: the encryption it applied and the object's tags. */
async function recorded(key: string): Promise<{ encryption?: string; tags: Record<string, string> }> {
  const Key = `enc/${key}`;
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
  const tagging = await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key }));
  return {
    ...(head.ServerSideEncryption ? { encryption: head.ServerSideEncryption } : {}),
    tags: Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

async function walFile(name: string, data: Buffer): Promise<string> {
  const walDir = join(dir, `pg_wal_${randomBytes(4).toString('hex')}`);
  await mkdir(walDir);
  await writeFile(join(walDir, name), data);
  return join(walDir, name);
}

test('WAL gets wal.encryption and tags; a history file gets historyTags instead', async () => {
  await archiveWal(store, 'pg', await walFile('000000010000000000000001', walLike(64 * 1024)), { compression: 'gzip' });
  await archiveWal(store, 'pg', await walFile('00000002.history', Buffer.from('1\t0/3000000\tno recovery target specified\n')), {});
  assert.deepEqual(await recorded('pg/wals/0000000100000000/000000010000000000000001.gz'), { encryption: 'aws:kms', tags: POLICY.tags });
  assert.deepEqual(await recorded('pg/wals/00000002.history'), { encryption: 'aws:kms', tags: POLICY.historyTags });
});

test('a base backup (multipart) and its backup.info get data.encryption and tags', async () => {
  const src = join(dir, 'tree');
  await mkdir(src);
  await makeTree(src);
  await uploadBaseBackupTar(store, 'pg', '20240115T134100', await tarOf(src), { compression: 'gzip' });
  await writeBackupInfo(store, 'pg', doneInfo('20240115T134100', new Date('2024-01-15T13:41:00Z'), '000000010000000000000002', { compression: 'gzip' }));
  assert.deepEqual(await recorded('pg/base/20240115T134100/data.tar.gz'), { encryption: 'AES256', tags: POLICY.tags });
  assert.deepEqual(await recorded('pg/base/20240115T134100/backup.info'), { encryption: 'AES256', tags: POLICY.tags });
  // Three parts of 5 MiB: the multipart path (CreateMultipartUpload) carries them too.
  await store.put('pg/base/20240115T134100/big.tar', Readable.from([randomBytes(12 * 1024 * 1024)]), { partSizeBytes: 5 * 1024 * 1024 });
  assert.deepEqual(await recorded('pg/base/20240115T134100/big.tar'), { encryption: 'AES256', tags: POLICY.tags });
});

test('what we record matches what barman-cloud-wal-archive records with the same settings', async () => {
  const env = { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const flags = ['-e', 'aws:kms', '--tags', 'team,db', 'cost center,a+b=c d', '--history-tags', 'kind,history'];
  for (const name of ['000000010000000000000009', '00000003.history']) {
    const data = name.endsWith('.history') ? Buffer.from('2\t0/5000000\tno recovery target specified\n') : walLike(64 * 1024);
    const r = await barman('barman-cloud-wal-archive', [DEST, 'barman', await walFile(name, data), ...flags], env);
    assert.equal(r.code, 0, r.stderr);
    await archiveWal(store, 'ours', await walFile(name, data), {});
    const key = name.endsWith('.history') ? `wals/${name}` : `wals/0000000100000000/${name}`;
    assert.deepEqual(await recorded(`ours/${key}`), await recorded(`barman/${key}`), name);
  }
});

test('barman-cloud reads our encrypted WAL and base backup', async () => {
  const env = { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const dest = join(dir, 'restored-wal');
  const r = await barman('barman-cloud-wal-restore', [DEST, 'pg', '000000010000000000000001', dest], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readFile(dest)).length, 64 * 1024);
  const list = await barman('barman-cloud-backup-list', ['--format', 'json', DEST, 'pg'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout) as { backups_list: { backup_id: string }[] }).backups_list[0]?.backup_id, '20240115T134100');
  const restored = await barman('barman-cloud-restore', [DEST, 'pg', '20240115T134100', join(dir, 'restored-backup')], env);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(await readFile(join(dir, 'restored-backup', 'PG_VERSION'), 'utf8'), '15\n');
});

test('without a policy nothing is encrypted or tagged', async () => {
  const plain = openBlobStore({ destinationPath: DEST, serverName: 'plain', endpointURL: s3.endpoint, s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await archiveWal(plain, 'plain', await walFile('000000010000000000000001', walLike(1024)), {});
  assert.deepEqual(await recorded('plain/wals/0000000100000000/000000010000000000000001'), { tags: {} });
});
