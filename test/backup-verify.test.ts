// Restore drills (`cnpg backup verify`) against real PostgreSQL and the project's S3 server: a drill
// of a healthy backup passes (replayed to the end of the archive, pg_amcheck clean, row counts met)
// and records itself in the Backup's status and the metrics; a WAL segment damaged in the store
// fails the drill with a status, an Event, a Cluster condition and a non-zero exit a person can act
// on; a row count not met fails it too; a ScheduledBackup with verify: true has its Backups drilled.
// No drill leaves a process or a folder behind.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitReady } from './support/backup.js';
import { startS3Server, type S3Server } from './support/s3.js';
import { openHome } from '../src/platform/local/home.js';
import { readDaemonState } from '../src/platform/local/daemon.js';

const SCHEDULED_BACKUP = fileURLToPath(new URL('../../test/fixtures/restore-drill/scheduled-backup.yaml', import.meta.url));

const env = new TestEnv();
let s3: S3Server;
let client: S3Client;

interface Verified {
  metadata: { annotations?: Record<string, string> };
  status?: {
    phase?: string;
    backupId?: string;
    beginWal?: string;
    endWal?: string;
    verification?: {
      phase: string;
      recoveredToWal?: string;
      archiveEndWal?: string;
      amcheck?: { ok: boolean };
      rows?: Array<{ check: string; rows: number; ok: boolean }>;
      error?: string;
    };
  };
}

const CLUSTER = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: drill
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: s3://archive/drill
      endpointURL: ENDPOINT
      s3Credentials:
        accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }
        secretAccessKey: { name: s3-creds, key: SECRET_ACCESS_KEY }
`;

async function walKeys(): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'archive', Prefix: 'drill/drill/wals/' }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Nothing of a drill is left: no folder under the cluster's drills/, no process running from one. */
function assertNothingLeft(): void {
  const drills = join(env.home, 'instances', 'default', 'drill', 'drills');
  assert.deepEqual(existsSync(drills) ? readdirSync(drills) : [], [], 'the drill folders are gone');
  const left = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/drills/') || readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('restore-drill-main');
      } catch {
        return false;
      }
    });
  assert.deepEqual(left, [], 'no drill process is left');
}

async function condition(field: 'status' | 'reason' | 'message'): Promise<string> {
  return (await env.ok(['get', 'cluster', 'drill', '-o', `jsonpath={.status.conditions[?(@.type=="BackupVerified")].${field}}`])).trim();
}

async function metrics(): Promise<string> {
  const state = readDaemonState(openHome(env.home));
  assert.ok(state, 'the control plane runs');
  const res = await fetch(`http://127.0.0.1:${state.port}/metrics`, { headers: { authorization: `Bearer ${state.token}` } });
  assert.equal(res.status, 200);
  return res.text();
}

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('archive');
  client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  await env.ok(['apply', '-f', '-'], CLUSTER.replace('ENDPOINT', s3.endpoint));
  await waitReady(env, 'drill');
});

after(async () => {
  client?.destroy();
  await env.cleanup();
  await s3?.stop();
});

test('a drill of a healthy backup passes, replays every archived WAL and records itself', { timeout: 300_000 }, async () => {
  await sql(env, 'drill-1', 'CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE INDEX ON orders (note)');
  assert.match(await env.ok(['backup', 'drill', '--backup-name', 'first', '--wait', '--timeout', '2m'], undefined, 150_000), /completed/);
  await sql(env, 'drill-1', 'INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(501, 600) g');
  const lastWal = await archiveCurrentWal(env, 'drill', 'drill-1');

  const out = await env.ok(['backup', 'verify', 'drill', '--count', 'public.orders>=600', '--count', 'app/public.orders=600', '--timeout', '4m'], undefined, 280_000);
  assert.match(out, /restore drill of backup first .* requested/);
  assert.match(out, /backup first: restore drill passed/);
  assert.match(out, /pg_amcheck: +no corruption found/);
  assert.match(out, /rows: +app\/public\.orders=600: 600 ok/);

  const backup = await env.json<Verified>(['get', 'backup', 'first']);
  assert.equal(backup.status?.phase, 'completed', 'CloudNativePG\'s fields are kept');
  assert.ok(backup.status?.backupId && backup.status.endWal);
  const v = backup.status?.verification;
  assert.equal(v?.phase, 'passed');
  assert.equal(v?.amcheck?.ok, true);
  assert.deepEqual(v?.rows, [{ check: 'public.orders>=600', rows: 600, ok: true }, { check: 'app/public.orders=600', rows: 600, ok: true }]);
  assert.ok(v?.recoveredToWal && v.recoveredToWal.slice(8) >= lastWal.slice(8), `replayed to ${v?.recoveredToWal}, past ${lastWal}, the last WAL archived`);
  await eventually('BackupVerified True on the Cluster', async () => (await condition('status')) === 'True', 30_000);
  const text = await metrics();
  assert.match(text, /cnpg_backup_verification_last_result\{namespace="default",cluster="drill"\} 1/);
  assert.match(text, /cnpg_backup_verification_last_success_timestamp\{namespace="default",cluster="drill"\} \d+/);
  assert.doesNotMatch(JSON.stringify(backup), new RegExp(s3.secretAccessKey), 'no secret in the status');
  assertNothingLeft();
});

test('a row count that is not met fails the drill with what was found', { timeout: 300_000 }, async () => {
  const r = await env.run(['backup', 'verify', 'drill', '--backup', 'first', '--count', 'public.orders>=100000'], undefined, 280_000);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /row counts not met: public\.orders>=100000 \(found 600\)/);
  const bad = await env.run(['backup', 'verify', 'drill', '--count', 'public.orders; DROP TABLE orders>=1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--count: invalid row count/);
  assertNothingLeft();
});

test('a ScheduledBackup with verify: true has each Backup it makes drilled once it completes', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', SCHEDULED_BACKUP]);
  const made = await eventually('the immediate Backup', async () => {
    const items = (await env.json<{ items: Array<{ metadata: { name: string } }> }>(['get', 'backups', '-l', 'cnpg.io/scheduled-backup=drill-yearly'])).items;
    return items[0]?.metadata.name;
  }, 60_000);
  const v = await eventually(`the drill of ${made}`, async () => {
    const verification = (await env.json<Verified>(['get', 'backup', made])).status?.verification;
    return verification && verification.phase !== 'running' ? verification : undefined;
  }, 240_000, 500);
  assert.equal(v.phase, 'passed', v.error);
  assert.equal(v.amcheck?.ok, true);
  assertNothingLeft();
});

test('a WAL segment damaged in the store fails the drill: status, Event, condition, exit code', { timeout: 300_000 }, async () => {
  await sql(env, 'drill-1', 'INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(601, 700) g');
  const damaged = await archiveCurrentWal(env, 'drill', 'drill-1');
  await sql(env, 'drill-1', 'INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(701, 800) g');
  const newest = await archiveCurrentWal(env, 'drill', 'drill-1');
  const key = (await walKeys()).find((k) => k.endsWith(`/${damaged}`));
  assert.ok(key, `${damaged} is in the store`);
  await client.send(new PutObjectCommand({ Bucket: 'archive', Key: key, Body: Buffer.alloc(16 * 1024 * 1024, 0x5a) }));

  const r = await env.run(['backup', 'verify', 'drill', '--timeout', '4m'], undefined, 280_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const newestBackup = /restore drill of backup (\S+) /.exec(r.stdout)?.[1] ?? '';
  assert.match(newestBackup, /^drill-yearly-/, 'the newest completed Backup is drilled by default');
  assert.match(r.stdout, new RegExp(`backup ${newestBackup}: restore drill failed`));
  assert.match(r.stderr, new RegExp(`replay stopped at .*before the end of the archive \\(WAL ${newest}\\)`));
  assert.match(r.stderr, /missing or damaged in the store/);
  assert.match(r.stderr, /take a new base backup/);

  const v = (await env.json<Verified>(['get', 'backup', newestBackup])).status?.verification;
  assert.equal(v?.phase, 'failed');
  assert.match(v?.error ?? '', /^replay: /);
  assert.equal(v?.archiveEndWal, newest);
  await eventually('BackupVerified False on the Cluster', async () => (await condition('reason')) === 'RestoreDrillFailed' && /replay stopped/.test(await condition('message')), 30_000);
  const events = await env.ok(['get', 'events', '--field-selector', 'involvedObject.name=drill,reason=BackupVerificationFailed']);
  assert.match(events, new RegExp(`Restore drill of Backup ${newestBackup} failed: replay: replay stopped`));
  assert.match(await metrics(), /cnpg_backup_verification_last_result\{namespace="default",cluster="drill"\} 0/);
  assertNothingLeft();
});
