// Faults on the way to the object store: a two-minute S3 outage under a continuous writer loses
// nothing, and wrong credentials fail a Backup with the reason while WAL waits in pg_wal until
// the credentials are fixed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, primaryArchiving, sql, waitBackup, waitReady } from './support/backup.js';
import { startS3Server, type S3Server } from './support/s3.js';
import { startTcpSwitch, type TcpSwitch } from './support/tcp-switch.js';
import { Writer } from './support/writer.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
let s3: S3Server;
let cable: TcpSwitch;

function cluster(name: string, endpoint: string, secret: string, extra = ''): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: s3://archive/${name}
      endpointURL: ${endpoint}
      s3Credentials:
        accessKeyId: { name: ${secret}, key: ACCESS_KEY_ID }
        secretAccessKey: { name: ${secret}, key: SECRET_ACCESS_KEY }
      wal:
        maxParallel: 4
${extra}`;
}

async function objectKeys(prefix: string): Promise<string[]> {
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'archive', Prefix: prefix }));
  client.destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('archive');
  cable = await startTcpSwitch('127.0.0.1', Number(new URL(s3.endpoint).port));
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  await env.ok(['create', 'secret', 'generic', 'wrong-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, '--from-literal=SECRET_ACCESS_KEY=not-the-secret']);
});

after(async () => {
  await env.cleanup();
  await cable?.close();
  await s3?.stop();
});

test('archiving rides out a two-minute S3 outage under load and loses nothing', { timeout: 420_000 }, async () => {
  await env.ok(['apply', '-f', '-'], cluster('steady', cable.url(), 's3-creds'));
  await waitReady(env, 'steady');
  const pod = 'steady-1';
  const base = await env.ok(['backup', 'steady', '--backup-name', 'steady-base', '--wait', '--timeout', '2m'], undefined, 150_000);
  assert.match(base, /completed/);
  const uri = Buffer.from((await env.ok(['get', 'secret', 'steady-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  await Writer.prepare(uri);
  const writer = new Writer(uri);
  writer.start();

  cable.cut();
  const cutAt = Date.now();
  let switched = 0;
  while (Date.now() - cutAt < 120_000) {
    await sql(env, pod, 'SELECT pg_switch_wal()', 'postgres');
    switched++;
    await sleep(10_000);
  }
  const during = await primaryArchiving(env, 'steady');
  assert.equal(during?.failing, true, 'status shows archiving failing during the outage');
  assert.ok((during?.readyWalFiles ?? 0) >= 2, `segments wait in pg_wal (${during?.readyWalFiles})`);
  const condition = await env.ok(['get', 'cluster', 'steady', '-o', 'jsonpath={.status.conditions[?(@.type=="ContinuousArchiving")].status}']);
  assert.equal(condition.trim(), 'False');
  assert.match(await env.ok(['status', 'steady']), /Working WAL archiving:\s+Failing/);
  cable.restore();

  await eventually('archiving caught up after the outage', async () => {
    const a = await primaryArchiving(env, 'steady');
    return a && !a.failing && a.readyWalFiles === 0;
  }, 120_000, 500);
  await writer.stop();
  const acked = [...writer.acked];
  assert.ok(acked.length > 100, `writer committed ${acked.length} rows over ${switched} WAL switches`);
  await archiveCurrentWal(env, 'steady', pod);

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: steady-restored
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: steady
  externalClusters:
    - name: steady
      barmanObjectStore:
        destinationPath: s3://archive/steady
        endpointURL: ${s3.endpoint}
        s3Credentials:
          accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }
          secretAccessKey: { name: s3-creds, key: SECRET_ACCESS_KEY }
`);
  await waitReady(env, 'steady-restored', 240);
  const present = new Set((await sql(env, 'steady-restored-1', 'SELECT n FROM ha_writes')).split('\n').map(Number));
  const lost = acked.filter((n) => !present.has(n));
  assert.deepEqual(lost, [], `${lost.length} acknowledged rows missing from the recovered cluster`);
});

test('wrong credentials fail the Backup with the reason; WAL waits and is archived once they are fixed', { timeout: 240_000 }, async () => {
  await env.ok(['apply', '-f', '-'], cluster('badcreds', s3.endpoint, 'wrong-creds'));
  await waitReady(env, 'badcreds');
  const pod = 'badcreds-1';
  const first = await sql(env, pod, 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres');
  await sql(env, pod, 'SELECT pg_switch_wal()', 'postgres');
  const failing = await eventually('archiving failing with the store’s reason', async () => {
    const a = await primaryArchiving(env, 'badcreds');
    return a?.failing ? a : undefined;
  }, 60_000, 500);
  assert.match(failing.lastError ?? '', /denied|signature|credential|access key/i);

  const r = await env.run(['backup', 'badcreds', '--backup-name', 'doomed', '--wait', '--timeout', '1m']);
  assert.notEqual(r.code, 0);
  const doomed = await waitBackup(env, 'doomed');
  assert.equal(doomed.status?.phase, 'failed');
  assert.match(doomed.status?.error ?? '', /denied|signature|credential|access key/i);
  assert.match(r.stderr, /backup doomed failed: /);

  // Nothing was lost: PostgreSQL kept the segments, and they go out once the secret is right.
  assert.ok((failing.readyWalFiles ?? 0) >= 1);
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  await env.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Secret
metadata:
  name: wrong-creds
data:
  ACCESS_KEY_ID: ${b64(s3.accessKeyId)}
  SECRET_ACCESS_KEY: ${b64(s3.secretAccessKey)}
`);
  await eventually('the waiting WAL archived', async () => {
    const a = await primaryArchiving(env, 'badcreds');
    return a && !a.failing && a.readyWalFiles === 0 && (a.lastArchivedWal ?? '') >= first;
  }, 90_000, 500);
  const keys = await objectKeys(`badcreds/badcreds/wals/${first.slice(0, 16)}/`);
  assert.ok(keys.some((k) => k.endsWith(first)), `${first} is in the store: ${keys.join(',')}`);
});
