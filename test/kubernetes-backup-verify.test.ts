// Restore drills on Kubernetes, through a real kube-apiserver, the stand-in kubelet (instance and
// drill Pods as local processes with real PostgreSQL) and the project's S3 server: `kubectl cnpg
// backup verify` asks for a drill of a Backup, the operator runs it in a one-shot Pod owned by the
// Backup (the store's credentials in a Secret volume, never in the Pod's command or environment) and
// records the outcome as on the local platform: the Backup's status.verification, an Event and the
// BackupVerified condition on the Cluster, the operator's /metrics. A healthy backup passes; drilled
// again with a row count that is not met, it fails; a ScheduledBackup with verify: true has its
// Backup drilled; an archived WAL segment overwritten in the store fails the drill, and the command
// exits non-zero saying why. No drill Pod or Secret is left.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import type { StoredBackup } from '../src/api/backup.js';
import type { BackupVerification } from '../src/api/backup-verification.js';
import { eventually } from './support/env.js';
import { createHealthyCluster, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { kubectlWithPlugin, type Kubectl } from './support/kubectl-plugin.js';
import { readCluster } from './support/operator.js';
import { freePort, startS3Server, type S3Server } from './support/s3.js';

const SCHEDULED_BACKUP = fileURLToPath(new URL('../../test/fixtures/restore-drill/scheduled-backup.yaml', import.meta.url));

let env: KubeOperatorEnv;
let s3: S3Server;
let client: S3Client;
let kubectl: Kubectl;
let metricsPort = 0;

const core = () => env.kc.makeApiClient(CoreV1Api);
const BACKUPS = { group: 'postgresql.cnpg.io', version: 'v1', plural: 'backups', namespace: 'default' } as const;

async function readBackup(name: string): Promise<StoredBackup> {
  return (await env.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...BACKUPS, name })) as StoredBackup;
}

async function query(sql: string): Promise<pg.QueryResult> {
  const secret = await core().readNamespacedSecret({ name: 'drill-superuser', namespace: 'default' });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  const c = new pg.Client({ host: env.kubelet.ipOf('drill-1'), port: 5432, user: 'postgres', database: 'app', password, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function walKeys(): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'archive', Prefix: 'drill/drill/wals/' }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Switches to a new WAL segment and waits until the one it left is in the store; returns its name. */
async function archiveCurrentWal(): Promise<string> {
  const wal = (await query('SELECT pg_walfile_name(pg_current_wal_lsn()) AS w')).rows[0].w as string;
  await query('SELECT pg_switch_wal()');
  await eventually(`WAL ${wal} in the store`, async () => (await walKeys()).some((k) => k.endsWith(`/${wal}`)), 60_000, 300);
  return wal;
}

async function condition(): Promise<{ status?: string; reason?: string; message?: string }> {
  return (await readCluster(env.kc, 'drill')).status?.conditions?.find((c) => c.type === 'BackupVerified') ?? {};
}

async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return res.text();
}

async function drillObjectsLeft(): Promise<string[]> {
  const pods = (await core().listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/jobRole=restore-drill' })).items;
  const secrets = (await core().listNamespacedSecret({ namespace: 'default', labelSelector: 'cnpg.io/jobRole=restore-drill' })).items;
  return [...pods.map((p) => `Pod/${p.metadata?.name}`), ...secrets.map((s) => `Secret/${s.metadata?.name}`)];
}

/** The drill Pod of `backup` as it runs, seen while `running` is under way. */
async function watchDrillPod(backup: string, running: Promise<unknown>): Promise<V1Pod | undefined> {
  let done = false;
  void running.finally(() => (done = true));
  while (!done) {
    const pod = await core().readNamespacedPod({ name: `${backup}-drill`, namespace: 'default' }).catch(() => undefined);
    if (pod) return pod;
    await sleep(200);
  }
  return undefined;
}

function failureReport(what: string): string {
  return `${what}\nkubelet: ${env.kubelet.lastError ?? 'no error'}\noperator:\n${env.operator.output(5000)}\nPods:\n${[...env.kubelet.logs].filter(([n]) => n.endsWith('-drill')).map(([n, l]) => `${n}: ${l.slice(-3000)}`).join('\n')}`;
}

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('archive');
  client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  metricsPort = await freePort();
  env = await startKubeOperatorEnv({ METRICS_PORT: String(metricsPort) });
  kubectl = kubectlWithPlugin(env.cp);
  await core().createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 's3-creds' }, stringData: { ACCESS_KEY_ID: s3.accessKeyId, SECRET_ACCESS_KEY: s3.secretAccessKey } },
  });
  await createHealthyCluster(env, 'drill', {
    instances: 1,
    enableSuperuserAccess: true,
    storage: { size: '1Gi' },
    backup: {
      barmanObjectStore: {
        destinationPath: 's3://archive/drill',
        endpointURL: s3.endpoint,
        s3Credentials: { accessKeyId: { name: 's3-creds', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 's3-creds', key: 'SECRET_ACCESS_KEY' } },
      },
    },
  });
});

after(async () => {
  client?.destroy();
  kubectl?.close();
  await env?.stop();
  await s3?.stop();
});

test('kubectl cnpg backup verify: a drill Pod owned by the Backup restores it, replays every archived WAL and the result is recorded', { timeout: 420_000 }, async () => {
  await query('CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE INDEX ON orders (note)');
  const backup = await kubectl.run(['cnpg', 'backup', 'drill', '--backup-name', 'first', '--wait', '--timeout', '200s']);
  assert.equal(backup.code, 0, failureReport(backup.stderr + backup.stdout));
  await query('INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(501, 600) g');
  const lastWal = await archiveCurrentWal();

  const verifying = kubectl.run(['cnpg', 'backup', 'verify', 'drill', '--count', 'public.orders>=600', '--count', 'app/public.orders=600', '--timeout', '5m']);
  const pod = await watchDrillPod('first', verifying);
  const r = await verifying;
  assert.equal(r.code, 0, failureReport(r.stderr + r.stdout));
  assert.match(r.stdout, /restore drill of backup first .* requested/);
  assert.match(r.stdout, /backup first: restore drill passed/);
  assert.match(r.stdout, /pg_amcheck: +no corruption found/);
  assert.match(r.stdout, /rows: +app\/public\.orders=600: 600 ok/);

  assert.ok(pod, 'the drill ran in Pod first-drill');
  assert.deepEqual(pod.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['Backup/first']);
  assert.equal(pod.spec?.restartPolicy, 'Never');
  assert.equal(pod.spec?.securityContext?.runAsNonRoot, true);
  assert.ok(pod.spec?.volumes?.some((v) => v.name === 'task' && v.secret?.secretName === 'first-drill'), 'the task arrives in a Secret volume');
  assert.doesNotMatch(JSON.stringify(pod.spec), new RegExp(s3.secretAccessKey), 'no credential in the Pod spec (command, environment)');

  const stored = await readBackup('first');
  const v = stored.status?.verification as BackupVerification;
  assert.equal(stored.status?.phase, 'completed', "CloudNativePG's fields are kept");
  assert.equal(v.phase, 'passed');
  assert.equal(v.amcheck?.ok, true);
  assert.deepEqual(v.rows, [{ check: 'public.orders>=600', rows: 600, ok: true }, { check: 'app/public.orders=600', rows: 600, ok: true }]);
  assert.ok(v.recoveredToWal && v.recoveredToWal.slice(8) >= lastWal.slice(8), `replayed to ${v.recoveredToWal}, past ${lastWal}, the last WAL archived`);
  assert.doesNotMatch(JSON.stringify(stored), new RegExp(s3.secretAccessKey), 'no secret in the status');

  await eventually('BackupVerified True on the Cluster', async () => (await condition()).status === 'True', 60_000, 500);
  assert.equal((await condition()).reason, 'RestoreDrillPassed');
  const text = await metrics();
  assert.match(text, /cnpg_backup_verification_last_result\{namespace="default",cluster="drill"\} 1/);
  assert.match(text, /cnpg_backup_verification_last_success_timestamp\{namespace="default",cluster="drill"\} \d+/);
  await eventually('the drill Pod and its Secret deleted', async () => (await drillObjectsLeft()).length === 0, 30_000, 500);
});

test('the same Backup drilled again, with a row count that is not met: exit 1 with what was found', { timeout: 300_000 }, async () => {
  const r = await kubectl.run(['cnpg', 'backup', 'verify', 'drill', '--backup', 'first', '--count', 'public.orders>=100000', '--timeout', '4m']);
  assert.equal(r.code, 1, failureReport(r.stdout + r.stderr));
  assert.match(r.stderr, /row counts not met: public\.orders>=100000 \(found 600\)/);
  assert.equal((await readBackup('first')).status?.verification?.phase, 'failed');
  const bad = await kubectl.run(['cnpg', 'backup', 'verify', 'drill', '--count', 'public.orders; DROP TABLE orders>=1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--count: invalid row count/);
  await eventually('the drill Pod and its Secret deleted', async () => (await drillObjectsLeft()).length === 0, 30_000, 500);
});

test('a ScheduledBackup with verify: true has the Backup it makes drilled on Kubernetes', { timeout: 420_000 }, async () => {
  const applied = await kubectl.run(['apply', '-f', SCHEDULED_BACKUP]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.doesNotMatch(applied.stderr, /spec\.verify/, 'no "acted on by the local platform only" warning');
  const made = await eventually('the immediate Backup', async () => {
    const list = (await env.kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...BACKUPS, labelSelector: 'cnpg.io/scheduled-backup=drill-yearly' })) as { items: StoredBackup[] };
    return list.items[0]?.metadata.name;
  }, 60_000, 500);
  const v = await eventually(`the drill of ${made}`, async () => {
    const verification = (await readBackup(made)).status?.verification;
    return verification && verification.phase !== 'running' ? verification : undefined;
  }, 360_000, 1000).catch((e: Error) => assert.fail(failureReport(e.message)));
  assert.equal(v.phase, 'passed', v.error);
  assert.equal(v.amcheck?.ok, true);
  await eventually('the drill Pod and its Secret deleted', async () => (await drillObjectsLeft()).length === 0, 30_000, 500);
});

test('an archived WAL segment overwritten in the store fails the drill: status, Event, condition, metric, exit code', { timeout: 420_000 }, async () => {
  await query('INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(601, 700) g');
  const damaged = await archiveCurrentWal();
  await query('INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(701, 800) g');
  const newest = await archiveCurrentWal();
  const key = (await walKeys()).find((k) => k.endsWith(`/${damaged}`));
  assert.ok(key, `${damaged} is in the store`);
  await client.send(new PutObjectCommand({ Bucket: 'archive', Key: key, Body: Buffer.alloc(16 * 1024 * 1024, 0x5a) }));

  const r = await kubectl.run(['cnpg', 'backup', 'verify', 'drill', '--timeout', '5m']);
  assert.equal(r.code, 1, failureReport(r.stdout + r.stderr));
  const drilled = /restore drill of backup (\S+) /.exec(r.stdout)?.[1] ?? '';
  assert.match(drilled, /^drill-yearly-/, 'the newest completed Backup is drilled by default');
  assert.match(r.stdout, new RegExp(`backup ${drilled}: restore drill failed`));
  assert.match(r.stderr, new RegExp(`replay stopped at .*before the end of the archive \\(WAL ${newest}\\)`));
  assert.match(r.stderr, /missing or damaged in the store/);
  assert.match(r.stderr, /take a new base backup/);

  const v = (await readBackup(drilled)).status?.verification as BackupVerification;
  assert.equal(v.phase, 'failed');
  assert.match(v.error ?? '', /^replay: /);
  assert.equal(v.archiveEndWal, newest);
  await eventually('BackupVerified False on the Cluster', async () => {
    const c = await condition();
    return c.status === 'False' && c.reason === 'RestoreDrillFailed' && /replay stopped/.test(c.message ?? '');
  }, 60_000, 500);
  const events = (await core().listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'drill' && e.reason === 'BackupVerificationFailed');
  assert.ok(events.some((e) => new RegExp(`Restore drill of Backup ${drilled} failed: replay: replay stopped`).test(e.message ?? '')), JSON.stringify(events.map((e) => e.message)));
  assert.match(await metrics(), /cnpg_backup_verification_last_result\{namespace="default",cluster="drill"\} 0/);
  await eventually('the drill Pod and its Secret deleted', async () => (await drillObjectsLeft()).length === 0, 30_000, 500);
});
