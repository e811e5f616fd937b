// A declarative major upgrade on Kubernetes, through a real kube-apiserver with real PostgreSQL (stand-in
// kubelet): PyPI's 16.13 and 17.9 builds (src/postgres/distributions.ts) as the two images' servers.
// Not Debian's 15: its 15.20 marks every column with an attribute option (pg_attver) that no 16 build
// on PyPI (16.13 to 16.15) restores, so pg_upgrade from it fails after --check, whatever the data.
// The one-shot `<instance>-major-upgrade` Pod runs pg_upgrade on the primary's PVC; a refused
// pg_upgrade --check keeps the cluster on 16 with its data, saying why; once the cause is gone, a new
// spec upgrades it: rows intact, 16.13 reported, the standby cloned again from the upgraded primary.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { eventually } from './support/env.js';
import { startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import type { KubeletStandIn } from './support/kubelet.js';
import { createCluster, readCluster, type TestOperator } from './support/operator.js';

const OLD_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:16.13';
const NEW_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:17.9';

let k: KubeOperatorEnv;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;

const core = () => kc.makeApiClient(CoreV1Api);
const clusterStatus = async (): Promise<ClusterStatus> => (await readCluster(kc, 'up')).status ?? {};

before(async () => {
  // Fetched once into the build cache: the stand-in kubelet's "pull" of the two images.
  await obtainPostgres({ major: 16, minor: 13 });
  await obtainPostgres({ major: 17, minor: 9 });
  k = await startKubeOperatorEnv();
  ({ kc, kubelet, operator } = k);
});

after(async () => {
  await k?.stop();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 300_000): Promise<T> {
  return eventually(what, fn, timeoutMs, 500).catch(async (e: Error) => {
    const s = await clusterStatus().catch(() => ({}));
    const ps = spawnSync('sh', ['-c', 'ps -eo pid,user,args | grep -v grep | grep -e --pod -e major-upgrade']).stdout.toString();
    const logs = spawnSync('sh', ['-c', `tail -n 15 ${k.kubeletDir}/pvc/default/*/postgres.log`]).stdout.toString();
    const claims = (await core().listNamespacedPersistentVolumeClaim({ namespace: 'default' })).items.map((c) => `${c.metadata?.name} ${c.metadata?.uid} ${JSON.stringify(c.metadata?.annotations)}`).join('\n');
    const told = (await core().listNamespacedEvent({ namespace: 'default' })).items.map((e) => `${e.reason}: ${e.message}`).join('\n');
    throw new Error(`${e.message}\nstatus: ${JSON.stringify(s)}\nps: ${ps}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(6000)}\npostgres logs:\n${logs}\nclaims:\n${claims}\nevents:\n${told}\nPods:\n${[...kubelet.logs].map(([n, l]) => `${n}: ${l.slice(-2500)}`).join('\n')}`);
  });
}

async function patchSpec(spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'up', body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function query(instance: string, sql: string): Promise<pg.QueryResult> {
  const secret = await core().readNamespacedSecret({ name: 'up-app', namespace: 'default' });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  const client = new pg.Client({ host: kubelet.ipOf(instance), port: 5432, user: 'app', database: 'app', password, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const healthy = (s: ClusterStatus) => s.phase === 'Cluster in healthy state' && s.readyInstances === 2;

async function events(reason: string): Promise<string[]> {
  return (await core().listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.reason === reason && e.involvedObject.name === 'up').map((e) => e.message ?? '');
}

async function dataPvc(name: string) {
  return core().readNamespacedPersistentVolumeClaim({ name, namespace: 'default' }).catch(() => undefined);
}

/**
 * What kube-controller-manager's pvc-protection controller and a volume provisioner (reclaim policy
 * Delete) do, which this control plane does not run: a deleted claim no Pod uses goes, and its volume
 * with it (the stand-in kubelet keeps volumes by claim name: a new claim of that name gets a new one).
 */
async function releaseUnusedClaim(name: string): Promise<void> {
  const meta = (await dataPvc(name))?.metadata;
  const pod = await core().readNamespacedPod({ name, namespace: 'default' }).catch(() => undefined);
  if (meta?.deletionTimestamp && meta.finalizers?.length && !pod) {
    rmSync(join(k.kubeletDir, 'pvc', 'default', name), { recursive: true, force: true });
    await core().patchNamespacedPersistentVolumeClaim({ name, namespace: 'default', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }
}

test('a major upgrade on Kubernetes: a refused --check keeps 16 and says why; then pg_upgrade in a one-shot Pod brings 17.9 with the rows', { timeout: 900_000 }, async () => {
  await createCluster(kc, 'up', { instances: 2, imageName: OLD_IMAGE, storage: { size: '1Gi' } });
  const first = await until('a healthy cluster of 2 on 16', async () => {
    const s = await clusterStatus();
    return healthy(s) ? s : undefined;
  });
  const primary = first.currentPrimary!;
  const standby = first.instanceNames!.find((n) => n !== primary)!;
  assert.equal(first.pgDataImageInfo?.majorVersion, 16);
  await query(primary, 'CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(1, 5000) i');
  // pg_upgrade refuses user columns of most reg* types: the way to a --check that fails.
  await query(primary, "CREATE TABLE functions (f regproc); INSERT INTO functions VALUES ('now')");

  await patchSpec({ imageName: NEW_IMAGE });
  const refused = await until('the failed upgrade reported, both instances back on 16', async () => {
    const s = await clusterStatus();
    return s.phase === 'Waiting for user action' && s.readyInstances === 2 ? s : undefined;
  });
  assert.match(refused.phaseReason ?? '', /upgrade from PostgreSQL 16 to 17 failed \(pg_upgrade --check: .*reg\* data types in user tables.*functions\.f.*\); the cluster runs PostgreSQL 16/);
  assert.equal(refused.pgDataImageInfo?.majorVersion, 16);
  assert.equal(refused.targetPgDataImageInfo, undefined);
  assert.equal(refused.currentPrimary, primary);
  assert.equal((await events('MajorUpgradeFailed')).length, 1);
  assert.equal((await query(primary, 'SHOW server_version')).rows[0].server_version, '16.13');
  assert.equal((await query(primary, 'SELECT count(*)::int AS n FROM orders')).rows[0].n, 5000);
  const failed = (await dataPvc(primary))?.metadata?.annotations ?? {};
  assert.equal(failed['cnpg.io/pgDataMajor'], '16');
  assert.match(failed['cnpg.io/majorUpgradeFailure'] ?? '', /"stage":"check"/);
  assert.equal((await core().listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/jobRole=major-upgrade' })).items.length, 0, 'the one-shot Pod is deleted once its outcome is recorded');

  // The cause gone, a new spec tries again.
  const oldStandbyPvc = (await dataPvc(standby))?.metadata?.uid;
  await query(primary, 'DROP TABLE functions');
  await patchSpec({ imageName: NEW_IMAGE, description: 'retry' });
  const upgraded = await until('the cluster upgraded to 17 and healthy', async () => {
    await releaseUnusedClaim(standby);
    const s = await clusterStatus();
    return healthy(s) && s.pgDataImageInfo?.majorVersion === 17 ? s : undefined;
  });
  assert.equal(upgraded.postgresVersion, '17.9');
  assert.equal(upgraded.currentPrimary, primary, 'the upgraded primary stays the primary');
  assert.equal(upgraded.targetPgDataImageInfo, undefined);
  assert.equal(upgraded.pgDataImageInfo?.image, NEW_IMAGE);
  assert.equal((await query(primary, 'SHOW server_version')).rows[0].server_version, '17.9');
  assert.deepEqual((await query(primary, 'SELECT count(*)::int AS n, sum(length(item))::int AS len FROM orders')).rows[0], { n: 5000, len: 5000 * 32 });
  const done = (await dataPvc(primary))?.metadata?.annotations ?? {};
  assert.equal(done['cnpg.io/pgDataMajor'], '17');
  assert.equal(done['cnpg.io/majorUpgradeFailure'], undefined, 'a success clears the failure record');

  // The standby's 16 data was removed with its PVC and cloned again from the upgraded primary.
  await query(primary, "INSERT INTO orders VALUES (5001, 'after the upgrade')");
  const newStandby = upgraded.instanceNames!.find((n) => n !== primary)!;
  assert.notEqual((await dataPvc(newStandby))?.metadata?.uid, oldStandbyPvc, 'a new data volume');
  assert.equal((await dataPvc(newStandby))?.metadata?.annotations?.['cnpg.io/pgDataMajor'], '17');
  const replayed = await until('the new standby replays the new write', async () => {
    const r = await query(newStandby, "SELECT pg_is_in_recovery() AS standby, current_setting('server_version') AS version, (SELECT count(*)::int FROM orders) AS n");
    return r.rows[0].n === 5001 ? r.rows[0] : undefined;
  }, 60_000);
  assert.deepEqual(replayed, { standby: true, version: '17.9', n: 5001 });
  assert.equal((await events('MajorUpgrade')).length, 2, 'one start event per attempt');
  assert.equal((await events('MajorUpgradeReplica')).length, 1);
});
