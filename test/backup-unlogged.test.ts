// Unlogged tables in a base backup, on real PostgreSQL and a real S3 endpoint: as pg_basebackup
// does, the backup carries only each unlogged relation's init fork (in base/<db>/ and in a
// tablespace's folder), so it is smaller than the unlogged data, and the recovered Cluster has the
// tables, empty, beside the logged table's rows.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { gzipStoreYaml, startS3Server, type S3Server } from './support/s3.js';

const env = new TestEnv();
let s3: S3Server;
let client: S3Client;

const store = (indent: string) => gzipStoreYaml(s3, indent, 's3://unlogged/origin');
const tablespaces = '  tablespaces:\n    - name: scratchspace\n      storage:\n        size: 1Gi\n';

// Bytes from md5 do not compress: a backup carrying these tables could not hide them in gzip.
const FILL = (rows: number) => `SELECT decode(md5(g::text) || md5((g + 1)::text), 'hex') AS b FROM generate_series(1, ${rows}) g`;

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('unlogged');
  client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: origin
spec:
  instances: 1
  storage:
    size: 1Gi
  postgresql:
    parameters:
      shared_buffers: 16MB
${tablespaces}  backup:
${store('    ')}
`);
  await waitReady(env, 'origin');
  await eventually('the tablespace created', async () => (await sql(env, 'origin-1', "SELECT count(*) FROM pg_tablespace WHERE spcname = 'scratchspace'")) === '1');
  // CREATE TABLE AS writes through a ring of at most an eighth of shared_buffers, so nearly all
  // rows reach the files on disk (a checkpoint never writes an unlogged table's pages).
  await sql(env, 'origin-1', `CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 100) g;
    CREATE UNLOGGED TABLE scratch AS ${FILL(400_000)};
    CREATE UNLOGGED TABLE scratch_far TABLESPACE scratchspace AS ${FILL(300_000)};
    CREATE INDEX scratch_far_b ON scratch_far (b) TABLESPACE scratchspace`);
});

after(async () => {
  client?.destroy();
  await env.cleanup();
  await s3?.stop();
});

async function objects(prefix: string): Promise<Map<string, number>> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'unlogged', Prefix: prefix }));
  return new Map((listed.Contents ?? []).map((o) => [o.Key?.split('/').pop() ?? '', o.Size ?? 0]));
}

async function tarNames(key: string): Promise<string[]> {
  const body = await (await client.send(new GetObjectCommand({ Bucket: 'unlogged', Key: key }))).Body?.transformToByteArray();
  return execFileSync('tar', ['-tzf', '-'], { input: body, maxBuffer: 64 << 20 }).toString().split('\n').filter(Boolean);
}

test('the backup carries only the unlogged tables’ init forks and is smaller than their data', { timeout: 240_000 }, async () => {
  const out = await env.ok(['backup', 'origin', '--backup-name', 'with-unlogged', '--wait', '--timeout', '3m'], undefined, 200_000);
  const backupId = /completed: (\S+)/.exec(out)?.[1] ?? '';
  assert.ok(backupId, out);
  const sizes = await objects(`origin/origin/base/${backupId}/`);
  const stored = [...sizes.values()].reduce((a, b) => a + b, 0);
  const unlogged = Number(await sql(env, 'origin-1', "SELECT pg_total_relation_size('scratch') + pg_total_relation_size('scratch_far')"));
  const near = Number(await sql(env, 'origin-1', "SELECT pg_relation_size('scratch')"));
  assert.ok(near > 20 << 20, `scratch holds ${near} bytes`);
  assert.ok(stored < near, `the backup (${stored} bytes in ${[...sizes.keys()].join(', ')}) is smaller than scratch alone (${near}); all unlogged data: ${unlogged}`);

  const [main, far, farIndex] = (await sql(env, 'origin-1', "SELECT pg_relation_filepath('scratch'), pg_relation_filepath('scratch_far'), pg_relation_filepath('scratch_far_b')")).split('|');
  const data = await tarNames(`origin/origin/base/${backupId}/data.tar.gz`);
  assert.ok(data.includes(`${main}_init`), `${main}_init in data.tar`);
  assert.deepEqual(data.filter((n) => n.startsWith(main ?? '?') && n !== `${main}_init`), [], 'no other fork or segment of scratch');
  const oid = await sql(env, 'origin-1', "SELECT oid FROM pg_tablespace WHERE spcname = 'scratchspace'");
  const inTablespace = await tarNames(`origin/origin/base/${backupId}/${oid}.tar.gz`);
  for (const path of [far, farIndex]) {
    // pg_tblspc/<oid>/PG_…/<db>/<file>: the tablespace's archive holds PG_…/<db>/<file>.
    const file = (path ?? '').split('/').slice(2).join('/');
    assert.ok(inTablespace.includes(`${file}_init`), `${file}_init in ${oid}.tar: ${inTablespace.join(', ')}`);
    assert.deepEqual(inTablespace.filter((n) => n.startsWith(file) && n !== `${file}_init`), [], `no other fork of ${file}`);
  }
});

test('the recovered Cluster has the unlogged tables, empty and writable, and the logged rows', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: restored
spec:
  instances: 1
  storage:
    size: 1Gi
${tablespaces}  bootstrap:
    recovery:
      source: origin
  externalClusters:
    - name: origin
${store('      ')}
`);
  await waitReady(env, 'restored', 240);
  assert.equal(await sql(env, 'restored-1', 'SELECT count(*) FROM kept'), '100');
  assert.equal(await sql(env, 'restored-1', 'SELECT (SELECT count(*) FROM scratch) + (SELECT count(*) FROM scratch_far)'), '0');
  await sql(env, 'restored-1', `INSERT INTO scratch_far ${FILL(10)}`);
  assert.equal(await sql(env, 'restored-1', "SELECT count(*) FROM scratch_far WHERE b = decode(md5('3') || md5('4'), 'hex')"), '1', 'the index works');
});
