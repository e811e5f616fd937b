// The S3 test server does what our backups need from S3 (the SDK calls the operator makes, the
// calls barman-cloud makes, data on disk that survives a restart), and the TCP switch turns an
// outage on and off.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from './support/s3.js';
import { startTcpSwitch } from './support/tcp-switch.js';

let server: S3Server;
let s3: S3Client;
const tmp = mkdtempSync(join(tmpdir(), 'cnpg-s3-test-'));

function client(endpoint: string, maxAttempts?: number): S3Client {
  return new S3Client({
    endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

async function getBytes(c: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const res = await c.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function listAll(Bucket: string, Prefix: string, MaxKeys: number): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let pages = 0;
  let ContinuationToken: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket, Prefix, MaxKeys, ContinuationToken }));
    pages++;
    for (const o of res.Contents ?? []) keys.push(o.Key!);
    ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return { keys, pages };
}

before(async () => {
  server = await startS3Server();
  s3 = client(server.endpoint);
});

after(async () => {
  s3?.destroy();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('put, head, get, paginated list and batch delete through the SDK', async () => {
  await server.createBucket('basic');
  const body = randomBytes(1000);
  await s3.send(new PutObjectCommand({ Bucket: 'basic', Key: 'one/blob', Body: body }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'basic', Key: 'one/blob' }));
  assert.equal(head.ContentLength, 1000);
  assert.deepEqual(await getBytes(s3, 'basic', 'one/blob'), body);

  const keys = Array.from({ length: 7 }, (_, i) => `many/k${i}`);
  await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: 'basic', Key, Body: Key }))));
  const listed = await listAll('basic', 'many/', 3);
  assert.deepEqual(listed.keys.sort(), keys);
  assert.equal(listed.pages, 3);

  const del = await s3.send(new DeleteObjectsCommand({ Bucket: 'basic', Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  assert.equal(del.Errors?.length ?? 0, 0);
  assert.deepEqual((await listAll('basic', 'many/', 1000)).keys, []);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'basic', Key: 'many/k0' })), { name: 'NotFound' });
});

test('multipart upload of 20 MB completes, and an aborted one leaves nothing', async () => {
  await server.createBucket('multi');
  const partSize = 5 * 1024 * 1024;
  const data = randomBytes(4 * partSize);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'big' }));
  const parts = [];
  for (let i = 0; i < 4; i++) {
    const PartNumber = i + 1;
    const Body = data.subarray(i * partSize, (i + 1) * partSize);
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'multi', Key: 'big', UploadId, PartNumber, Body }));
    parts.push({ ETag, PartNumber });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'big', UploadId, MultipartUpload: { Parts: parts } }));
  assert.ok((await getBytes(s3, 'multi', 'big')).equals(data));

  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'gone' }));
  await s3.send(new UploadPartCommand({ Bucket: 'multi', Key: 'gone', UploadId: aborted.UploadId, PartNumber: 1, Body: data.subarray(0, partSize) }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'multi', Key: 'gone', UploadId: aborted.UploadId }));
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'multi' }));
  assert.equal(uploads.Uploads?.length ?? 0, 0);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'multi', Key: 'gone' })), { name: 'NotFound' });
});

// moto keeps everything in memory, so only the real server can pass this.
test('data survives a restart', { skip: process.env.CNPG_TEST_S3 === 'moto' && 'moto keeps data in memory' }, async () => {
  await server.createBucket('durable');
  const body = randomBytes(64 * 1024);
  await s3.send(new PutObjectCommand({ Bucket: 'durable', Key: 'kept', Body: body }));
  await server.restart();
  assert.deepEqual(await getBytes(s3, 'durable', 'kept'), body);
});

test('the TCP switch cuts traffic fast and restores it', async () => {
  await server.createBucket('switched');
  const url = new URL(server.endpoint);
  const sw = await startTcpSwitch(url.hostname, Number(url.port));
  // One attempt: the SDK would otherwise retry with backoff and hide how fast the cut fails.
  const via = client(sw.url(), 1);
  try {
    await via.send(new PutObjectCommand({ Bucket: 'switched', Key: 'before', Body: 'x' }));
    sw.cut();
    const started = Date.now();
    await assert.rejects(via.send(new PutObjectCommand({ Bucket: 'switched', Key: 'during', Body: 'x' })), (err: Error & { code?: string }) => {
      assert.match(`${err.code ?? ''} ${err.name} ${err.message}`, /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/);
      return true;
    });
    assert.ok(Date.now() - started < 2_000, `the cut took ${Date.now() - started} ms to fail`);
    sw.restore();
    await via.send(new PutObjectCommand({ Bucket: 'switched', Key: 'after', Body: 'y' }));
    assert.equal((await getBytes(s3, 'switched', 'after')).toString(), 'y');
  } finally {
    via.destroy();
    await sw.close();
  }
});

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_DEFAULT_REGION: server.region,
  };
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

test('barman-cloud archives a WAL segment and restores the same bytes', async () => {
  await server.createBucket('barman');
  const wal = '000000010000000000000001';
  const source = join(tmp, wal);
  const data = randomBytes(16 * 1024 * 1024);
  writeFileSync(source, data);
  const common = ['--cloud-provider', 'aws-s3', '--endpoint-url', server.endpoint, 's3://barman/cluster-a', 'server'];
  await run('barman-cloud-wal-archive', [...common, source]);
  const listed = await listAll('barman', 'cluster-a/', 1000);
  assert.ok(listed.keys.some((k) => k.endsWith(wal)), `archived keys: ${listed.keys.join(', ')}`);

  const restored = join(tmp, 'restored');
  await run('barman-cloud-wal-restore', [...common, wal, restored]);
  assert.ok(readFileSync(restored).equals(data));
});
