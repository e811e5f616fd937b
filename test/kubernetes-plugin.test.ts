// `kubectl cnpg …` with the real kubectl: kubectl finds our kubectl-cnpg on PATH, which talks to a
// real API server where the operator and a kubelet stand-in run a 2-instance Cluster.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { BatchV1Api, CoreV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { KubeEndpoints } from '../src/platform/kubernetes/endpoints.js';
import { KubeStore } from '../src/platform/kubernetes/store.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, readCluster } from './support/operator.js';
import { intentsScenario } from './support/intents.js';
import { unzip } from './support/zip.js';
import { hibernationScenario } from './support/hibernation.js';

const PLUGIN = fileURLToPath(new URL('../src/cli/kubectl-cnpg.js', import.meta.url));

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
const scratch = mkdtempSync(join(tmpdir(), 'cnpg-plugin-'));
const storeDir = join(scratch, 'store');
const pluginDir = join(scratch, 'bin');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real kubectl, with our plugin on PATH the way krew would install it. */
function kubectl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cp.kubectl, args, { env: { ...process.env, PATH: `${pluginDir}:${process.env.PATH}`, KUBECONFIG: cp.kubeconfigPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const readPg = () => readCluster(kc, 'pg');

async function healthy(primary: string): Promise<void> {
  await eventually(`a healthy cluster with primary ${primary}`, async () => {
    const s = (await readPg()).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.currentPrimary === primary;
  }, 240_000, 500).catch(async (e: Error) => {
    throw new Error(`${e.message}\nstatus: ${JSON.stringify((await readPg().catch(() => ({}))) as object)}\noperator:\n${operator.output(4000)}`);
  });
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await ok(['create', 'namespace', 'cnpg-system']);
  // The kubelet stand-in runs managers as the postgres user: the store must be theirs to write.
  chmodSync(scratch, 0o755);
  mkdirSync(storeDir);
  chmodSync(storeDir, 0o777);
  mkdirSync(pluginDir);
  // What the krew archive's launcher does: run the plugin with the Node.js on PATH.
  writeFileSync(join(pluginDir, 'kubectl-cnpg'), `#!/bin/sh\nexec "${process.execPath}" "${PLUGIN}" "$@"\n`, { mode: 0o755 });
  kubelet = new KubeletStandIn(kc, join(scratch, 'kubelet'));
  kubelet.start();
  operator = new TestOperator(cp);
  const manifest = join(scratch, 'cluster.yaml');
  writeFileSync(
    manifest,
    `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg
spec:
  instances: 2
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: file://${storeDir}
`,
  );
  await ok(['apply', '-f', manifest]);
  await healthy('pg-1');
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('kubectl cnpg status shows what each instance manager reports, through the Pod proxy', { timeout: 120_000 }, async () => {
  const text = await ok(['cnpg', 'status', 'pg']);
  assert.match(text, /Cluster in healthy state/);
  assert.match(text, /Primary instance:\s+pg-1/);
  assert.match(text, /pg-rw\.default\.svc:5432/);
  const json = JSON.parse(await ok(['cnpg', 'status', 'pg', '-o', 'json'])) as {
    instancesStatus: Array<{ name: string; isPrimary: boolean; currentLsn?: string; error?: string; ready: boolean; replication?: Array<{ applicationName: string; state: string }> }>;
  };
  assert.deepEqual(
    json.instancesStatus.map((i) => [i.name, i.isPrimary, i.ready, i.error]),
    [
      ['pg-1', true, true, undefined],
      ['pg-2', false, true, undefined],
    ],
  );
  // Positions and the replication table come from the managers themselves, not from the Cluster status.
  assert.match(json.instancesStatus[0]!.currentLsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.deepEqual(
    json.instancesStatus[0]!.replication?.map((r) => [r.applicationName, r.state]),
    [['pg-2', 'streaming']],
  );
});

test('kubectl cnpg pooler pause|resume writes spec.pgbouncer.paused; kubectl cnpg status lists the pooler', { timeout: 120_000 }, async () => {
  const pooler = join(scratch, 'pooler.yaml');
  writeFileSync(pooler, 'apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nmetadata:\n  name: pg-pooler\nspec:\n  cluster:\n    name: pg\n  pgbouncer:\n    poolMode: transaction\n');
  await ok(['apply', '-f', pooler]);
  const paused = () => ok(['get', 'pooler', 'pg-pooler', '-o', 'jsonpath={.spec.pgbouncer.paused}']);
  assert.equal(await ok(['cnpg', 'pooler', 'pause', 'pg-pooler']), 'pooler pg-pooler pause requested\n');
  assert.equal(await paused(), 'true');
  assert.equal(await ok(['cnpg', 'pooler', 'resume', 'pg-pooler']), 'pooler pg-pooler resume requested\n');
  assert.equal(await paused(), 'false');
  const json = JSON.parse(await ok(['cnpg', 'status', 'pg', '-o', 'json'])) as { poolers?: Array<{ name: string; type: string; poolMode: string }> };
  assert.deepEqual(json.poolers?.map((p) => [p.name, p.type, p.poolMode]), [['pg-pooler', 'rw', 'transaction']]);
  assert.match(await ok(['cnpg', 'status', 'pg']), /Poolers\n[^\n]*\n[^\n]*\npg-pooler\s+rw\s+transaction/);
  const missing = await kubectl(['cnpg', 'pooler', 'pause', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope/);
  await ok(['delete', 'pooler', 'pg-pooler']);
});

test('kubectl cnpg refuses bad input with a message and a non-zero exit', { timeout: 60_000 }, async () => {
  const missing = await kubectl(['cnpg', 'status', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): clusters\.postgresql\.cnpg\.io "nope" not found/);
  const stranger = await kubectl(['cnpg', 'promote', 'pg', '7']);
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /instance pg-7 is not part of cluster pg \(instances: pg-1, pg-2\)/);
  const already = await kubectl(['cnpg', 'promote', 'pg', 'pg-1']);
  assert.match(already.stderr, /pg-1 is already the primary of pg/);
  const mode = await kubectl(['cnpg', 'fencing', 'maybe', 'pg', 'pg-2']);
  assert.match(mode.stderr, /fencing takes "on" or "off", got "maybe"/);
  const ghost = await kubectl(['cnpg', 'fencing', 'on', 'pg', 'pg-9']);
  assert.notEqual(ghost.code, 0, ghost.stdout);
  assert.match(ghost.stderr, /instance pg-9 is not part of cluster pg \(instances: pg-1, pg-2; "\*" stands for all of them\)/);
  const context = await kubectl(['cnpg', '--context', 'elsewhere', 'status', 'pg']);
  assert.notEqual(context.code, 0);
  assert.match(context.stderr, /context "elsewhere" does not exist/);
  const unreachable = await kubectl(['cnpg', 'status', 'pg'], { KUBECONFIG: join(scratch, 'no-such-kubeconfig') });
  assert.notEqual(unreachable.code, 0);
  assert.match(unreachable.stderr, /error: /);
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'nothing was written');
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/fencedInstances'], undefined, 'nothing was fenced');
});

test('kubectl cnpg psql runs psql in the primary\'s Pod through kubectl exec', { timeout: 60_000 }, async () => {
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--', '-tAc', 'select current_database(), pg_is_in_recovery(), 6*7'])).trim(), 'app|f|42');
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--replica', '--', '-tAc', 'select pg_is_in_recovery()'])).trim(), 't');
  const failing = await kubectl(['cnpg', 'psql', 'pg', '--', '-tAc', 'select nope']);
  assert.equal(failing.code, 1, 'psql\'s exit status comes back through kubectl');
  assert.match(failing.stderr, /column "nope" does not exist/);
});

test('kubectl cnpg publication create|drop run their SQL on the primary through kubectl exec, as locally', { timeout: 60_000 }, async () => {
  assert.equal(await ok(['cnpg', 'publication', 'create', 'pg', '--publication', 'everything', '--all-tables']), 'CREATE PUBLICATION "everything" FOR ALL TABLES\n');
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--', '-tAc', 'select pubname, puballtables from pg_publication'])).trim(), 'everything|t');
  assert.equal(await ok(['cnpg', 'publication', 'drop', 'pg', '--publication', 'everything']), 'DROP PUBLICATION "everything"\n');
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--', '-tAc', 'select count(*) from pg_publication'])).trim(), '0');
  const missing = await kubectl(['cnpg', 'subscription', 'drop', 'pg', '--subscription', 'nothing']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /subscription "nothing" does not exist/);
});

test('kubectl cnpg promote, restart, reload and fencing: annotations the operator acts on, as locally', { timeout: 900_000 }, async () => {
  await intentsScenario(
    {
      cnpg: (args) => kubectl(['cnpg', ...args]),
      cluster: () => readPg(),
      patchCluster: async (name, patch) => void (await ok(['patch', 'cluster', name, '--type', 'merge', '-p', patch])),
    },
    'pg',
  );
});

test('kubectl cnpg hibernate on|off: Pods deleted and PVCs kept, resumed with the same primary and rows, as locally', { timeout: 600_000 }, async () => {
  await ok(['cnpg', 'psql', 'pg', '--', '-c', 'create table kept as select generate_series(1, 500) as id']);
  const names = async (kind: 'Pod' | 'PersistentVolumeClaim', selector: string) => {
    const list = kind === 'Pod' ? await core().listNamespacedPod({ namespace: 'default', labelSelector: selector }) : await core().listNamespacedPersistentVolumeClaim({ namespace: 'default', labelSelector: selector });
    return list.items.filter((o) => !o.metadata?.deletionTimestamp).map((o) => o.metadata!.name!).sort();
  };
  await hibernationScenario(
    {
      cnpg: (args) => kubectl(['cnpg', ...args]),
      cluster: () => readPg(),
      instances: async (name) => ({ kept: await names('PersistentVolumeClaim', `cnpg.io/cluster=${name},cnpg.io/pvcRole=PG_DATA`), running: await names('Pod', `cnpg.io/cluster=${name},cnpg.io/podRole=instance`) }),
    },
    'pg',
    500,
  );
  await ok(['cnpg', 'psql', 'pg', '--', '-c', 'drop table kept']);
});

test('kubectl cnpg maintenance set|unset writes spec.nodeMaintenanceWindow through the API server, as the reference plugin', { timeout: 60_000 }, async () => {
  const set = await ok(['cnpg', 'maintenance', 'set', 'pg', '--reusePVC']);
  assert.match(set, /^The following are the new values for the clusters\nNamespace\s+Cluster Name\s+Maintenance\s+reusePVC\ndefault\s+pg\s+false => true\s+true => true\n$/);
  assert.deepEqual((await readPg()).spec.nodeMaintenanceWindow, { inProgress: true, reusePVC: true });
  const all = await ok(['cnpg', 'maintenance', 'unset', '-A']);
  assert.match(all, /default\s+pg\s+true => false\s+true => false/);
  assert.deepEqual((await readPg()).spec.nodeMaintenanceWindow, { inProgress: false, reusePVC: false });
  const both = await kubectl(['cnpg', 'maintenance', 'set', 'pg', '-A']);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /can not specify --all-namespaces and a cluster: pg/);
  // The primary's budget stays: a 2-instance Cluster has no standby budget to relax.
  await eventually('the primary PodDisruptionBudget', async () => (await kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: 'pg-primary', namespace: 'default' })).spec?.minAvailable === 1, 30_000, 500);
});

test('kubectl cnpg backup --wait creates a Backup and waits for it to complete', { timeout: 240_000 }, async () => {
  const out = await ok(['cnpg', 'backup', 'pg', '--backup-name', 'first', '--wait', '--timeout', '200s']);
  assert.match(out, /^backup\.postgresql\.cnpg\.io\/first created$/m);
  assert.match(out, /^backup first completed: \d{8}T\d{6} \(WAL [0-9A-F]{24} to [0-9A-F]{24}\)$/m);
  assert.equal(await ok(['get', 'backups', '-o', 'jsonpath={.items[*].status.phase}']), 'completed');
});

/** Stops the operator and waits until it is gone, so nothing relabels Pods behind a test's back. */
async function stopOperator(): Promise<void> {
  const exited = new Promise((resolve) => operator.child.once('exit', resolve));
  operator.kill();
  if (operator.running) await exited;
}

const core = () => kc.makeApiClient(CoreV1Api);

/** The Pods each of the cluster's Services selects, by the Services' selectors as stored now. */
async function selected(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const svc of ['pg-rw', 'pg-ro', 'pg-r']) {
    const selector = (await core().readNamespacedService({ name: svc, namespace: 'default' })).spec?.selector ?? {};
    const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
    out[svc] = (await core().listNamespacedPod({ namespace: 'default', labelSelector })).items.map((p) => p.metadata!.name!).sort();
  }
  return out;
}

test('-ro and -r leave out what the plan routes nowhere: the old primary, still ready, during a failover', { timeout: 240_000 }, async () => {
  const cluster = await readPg();
  const primary = cluster.status!.currentPrimary!;
  const standby = primary === 'pg-1' ? 'pg-2' : 'pg-1';
  await stopOperator();
  try {
    const endpoints = new KubeEndpoints(new KubeStore(kc));
    // Step one of a failover: writes and reads routed nowhere while the old primary is isolated.
    await endpoints.route(cluster, { rw: [], ro: [], r: [] });
    assert.deepEqual(await selected(), { 'pg-rw': [], 'pg-ro': [], 'pg-r': [] });
    // The standby promoted; the old primary not yet following it.
    await endpoints.route(cluster, { rw: [standby], ro: [], r: [standby] });
    assert.deepEqual(await selected(), { 'pg-rw': [standby], 'pg-ro': [], 'pg-r': [standby] });
  } finally {
    operator = new TestOperator(cp);
  }
  await healthy(primary);
  const routed = { 'pg-rw': [primary], 'pg-ro': [standby], 'pg-r': ['pg-1', 'pg-2'] };
  await eventually('both instances routed again by the operator', async () => isDeepStrictEqual(await selected(), routed), 60_000, 500);
});

test('an evicted (Failed) Pod is deleted and a new one runs the instance on its volume', { timeout: 240_000 }, async () => {
  const primary = (await readPg()).status!.currentPrimary!;
  const standby = primary === 'pg-1' ? 'pg-2' : 'pg-1';
  const evicted = await core().readNamespacedPod({ name: standby, namespace: 'default' });
  await kubelet.evict('default', standby);
  await eventually(`a new ${standby} Pod running`, async () => {
    const pod = await core().readNamespacedPod({ name: standby, namespace: 'default' }).catch(() => undefined);
    return pod && pod.metadata?.uid !== evicted.metadata?.uid && pod.status?.phase === 'Running';
  }, 120_000, 500).catch(async (e: Error) => {
    const pod = await core().readNamespacedPod({ name: standby, namespace: 'default' }).catch(() => undefined);
    throw new Error(`${e.message}; the Pod is ${pod?.status?.phase} (${pod?.status?.reason ?? ''}), uid ${pod?.metadata?.uid === evicted.metadata?.uid ? 'unchanged' : 'new'}`);
  });
  await healthy(primary);
});

test('an operator with another default image keeps an existing Cluster\'s Pods on the image it recorded', { timeout: 240_000 }, async () => {
  const primary = (await readPg()).status!.currentPrimary!;
  const standby = primary === 'pg-1' ? 'pg-2' : 'pg-1';
  const first = (await core().readNamespacedPod({ name: standby, namespace: 'default' })).spec!.containers[0]!.image;
  assert.equal((await readPg()).status?.image, first, 'the Cluster records the image its Pods run');
  await stopOperator();
  operator = new TestOperator(cp, { OPERAND_IMAGE: 'ghcr.io/cnpg-ts/postgresql:15-9.9.9' });
  const uid = (await core().readNamespacedPod({ name: standby, namespace: 'default' })).metadata?.uid;
  await ok(['cnpg', 'restart', 'pg', standby]);
  const pod = await eventually(`a new ${standby} Pod`, async () => {
    const p = await core().readNamespacedPod({ name: standby, namespace: 'default' }).catch(() => undefined);
    return p && p.metadata?.uid !== uid ? p : undefined;
  }, 120_000, 500);
  assert.equal(pod.spec!.containers[0]!.image, first);
  await healthy(primary);
  assert.equal((await readPg()).status?.image, first);
});

const secretValue = async (name: string, key: string) => Buffer.from((await core().readNamespacedSecret({ name, namespace: 'default' })).data?.[key] ?? '', 'base64').toString('utf8');

test('kubectl cnpg certificate creates a client certificate Secret signed by the Cluster\'s client CA', { timeout: 60_000 }, async () => {
  assert.equal(await ok(['cnpg', 'certificate', 'app-cert', '--cnpg-cluster', 'pg', '--cnpg-user', 'app']), 'secret/app-cert created\n');
  const secret = await core().readNamespacedSecret({ name: 'app-cert', namespace: 'default' });
  assert.equal(secret.type, 'kubernetes.io/tls');
  const cert = new X509Certificate(await secretValue('app-cert', 'tls.crt'));
  assert.equal(cert.subject, 'CN=app');
  assert.ok(cert.verify(new X509Certificate(await secretValue('pg-ca', 'ca.crt')).publicKey), 'signed by pg-ca');
  const again = await kubectl(['cnpg', 'certificate', 'app-cert', '--cnpg-cluster', 'pg', '--cnpg-user', 'app']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /secrets "app-cert" already exists/);
});

test('kubectl cnpg pgbench creates the Job the reference plugin builds; --dry-run prints it', { timeout: 60_000 }, async () => {
  const dry = await ok(['cnpg', 'pgbench', 'pg', '--job-name', 'dry', '--dry-run', '--', '--time', '30']);
  assert.match(dry, /^kind: Job$/m);
  assert.equal(await ok(['cnpg', 'pgbench', 'pg', '--job-name', 'bench', '--ttl', '600', '--', '--time', '30', '--client', '2']), 'job/bench created\n');
  const job = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'bench', namespace: 'default' });
  assert.equal(job.spec?.ttlSecondsAfterFinished, 600);
  const [c] = job.spec!.template.spec!.containers;
  assert.equal(c!.image, (await readPg()).status?.image);
  assert.deepEqual([c!.command, c!.args], [['pgbench'], ['--time', '30', '--client', '2']]);
  assert.deepEqual(c!.env?.map((e) => [e.name, e.value ?? `${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`]), [
    ['PGHOST', 'pg-rw'],
    ['PGDATABASE', 'app'],
    ['PGPORT', '5432'],
    ['PGUSER', 'pg-app/username'],
    ['PGPASSWORD', 'pg-app/password'],
  ]);
  assert.equal((await kubectl(['get', 'job', 'dry'])).code, 1, '--dry-run creates nothing');
});

test('kubectl cnpg report cluster writes a zip with manifests, status, events and logs, and no password', { timeout: 120_000 }, async () => {
  const file = join(scratch, 'report.zip');
  assert.match(await ok(['cnpg', 'report', 'cluster', 'pg', '-f', file, '--logs']), /^Successfully written report to ".*report\.zip" \(format: "yaml"\)$/m);
  const entries = await unzip(file);
  const folder = [...entries.keys()][0]!.split('/')[0]!;
  for (const part of ['manifests/cluster.yaml', 'manifests/cluster-pods.yaml', 'manifests/cluster-pvcs.yaml', 'manifests/events.yaml', 'manifests/cluster-secrets.yaml', 'status/status.txt', 'logs/pg-1-postgres.jsonl']) {
    assert.ok(entries.has(`${folder}/${part}`), `${part} in ${[...entries.keys()].join(', ')}`);
  }
  assert.match(entries.get(`${folder}/status/status.txt`)!, /Primary instance:/);
  const everything = [...entries.values()].join('\n');
  for (const secret of ['pg-app', 'pg-replication']) assert.ok(!everything.includes(await secretValue(secret, 'password')), `the ${secret} password is in the report`);
});

test('kubectl cnpg status -v -v reads the primary\'s configuration through kubectl exec', { timeout: 60_000 }, async () => {
  const text = await ok(['cnpg', 'status', 'pg', '-v', '-v', '--timeout', '20s']);
  assert.match(text, /PostgreSQL Configuration\n[^]*\bport = /);
  assert.match(text, /PostgreSQL HBA Rules\n[^]*\bscram-sha-256\b/);
  assert.match(text, /Certificates Status\n[^]*pg-server\s/);
});

test('kubectl cnpg destroy removes a standby\'s Pod and PVC; the operator makes a new instance', { timeout: 300_000 }, async () => {
  const primary = (await readPg()).status!.currentPrimary!;
  const standby = primary === 'pg-1' ? 'pg-2' : 'pg-1';
  const uid = (await core().readNamespacedPersistentVolumeClaim({ name: standby, namespace: 'default' })).metadata?.uid;
  assert.equal(await ok(['cnpg', 'destroy', 'pg', standby]), `Instance ${standby} of cluster pg is destroyed\n`);
  await eventually(`a new PVC for ${standby}`, async () => {
    const pvc = await core().readNamespacedPersistentVolumeClaim({ name: standby, namespace: 'default' }).catch(() => undefined);
    const pod = await core().readNamespacedPod({ name: standby, namespace: 'default' }).catch(() => undefined);
    // What kube-controller-manager's pvc-protection controller does, which this control plane does not run.
    const meta = pvc?.metadata;
    if (meta?.uid === uid && meta?.deletionTimestamp && !pod && meta?.finalizers?.length) {
      await core().patchNamespacedPersistentVolumeClaim({ name: standby, namespace: 'default', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    }
    return pvc && pvc.metadata?.uid !== uid;
  }, 240_000, 500);
  await healthy(primary);
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/destroyInstance'], undefined);
});

test('kubectl cnpg destroy --keep-pvc keeps the standby\'s PVC, detached from the Cluster; the new instance takes another serial', { timeout: 300_000 }, async () => {
  const primary = (await readPg()).status!.currentPrimary!;
  const standby = (await readPg()).status!.instanceNames!.find((n) => n !== primary)!;
  const uid = (await core().readNamespacedPersistentVolumeClaim({ name: standby, namespace: 'default' })).metadata?.uid;
  const out = await ok(['cnpg', 'destroy', 'pg', standby, '--keep-pvc']);
  assert.match(out, new RegExp(`^Instance ${standby} of cluster pg has been destroyed and the PVC was kept\n`));
  assert.match(out, /detached from the cluster/);
  await healthy(primary);
  const names = (await readPg()).status!.instanceNames!;
  assert.ok(!names.includes(standby), `the new instance has a serial of its own: ${names.join(', ')}`);
  const kept = await core().readNamespacedPersistentVolumeClaim({ name: standby, namespace: 'default' });
  assert.equal(kept.metadata?.uid, uid, 'the same claim, with its volume');
  assert.equal(kept.metadata?.deletionTimestamp, undefined, 'not being deleted');
  assert.equal(kept.metadata?.annotations?.['cnpg.io/pvcStatus'], 'detached');
  assert.ok(!(kept.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Cluster'), 'no longer owned by the Cluster: deleting it leaves the claim');
  assert.equal(await core().readNamespacedPod({ name: standby, namespace: 'default' }).catch(() => undefined), undefined, 'its Pod is gone');
  const annotations = (await readPg()).metadata.annotations ?? {};
  assert.equal(annotations['cnpg.io/destroyInstance'], undefined);
  assert.equal(annotations['cnpg.io/destroyKeepPVC'], undefined);
});

test('kubectl cnpg report operator: the operator\'s Deployment, its namespace\'s events and Secrets (keys only), no secret value', { timeout: 120_000 }, async () => {
  // This control plane runs the operator as a process; its Deployment is the release manifest's, applied alone.
  const deployment = join(scratch, 'operator-deployment.yaml');
  writeFileSync(deployment, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: cnpg-controller-manager
  namespace: cnpg-system
  labels:
    app.kubernetes.io/name: cnpg-ts
spec:
  replicas: 0
  selector:
    matchLabels:
      app.kubernetes.io/name: cnpg-ts
  template:
    metadata:
      labels:
        app.kubernetes.io/name: cnpg-ts
    spec:
      containers:
        - name: manager
          image: ghcr.io/example/cnpg-ts:0.1.0
---
apiVersion: v1
kind: Secret
metadata:
  name: operator-token
  namespace: cnpg-system
stringData:
  token: s3cr3t-operator-value
`);
  await ok(['apply', '-f', deployment]);
  const file = join(scratch, 'operator-report.zip');
  assert.match(await ok(['cnpg', 'report', 'operator', '-f', file, '-l', '-t']), /^Successfully written report to ".*operator-report\.zip" \(format: "yaml"\)$/m);
  const entries = await unzip(file);
  const folder = [...entries.keys()][0]!.split('/')[0]!;
  assert.match(folder, /^report_operator_\d{8}_\d{6}$/);
  for (const part of ['manifests/deployment.yaml', 'manifests/operator-pods.yaml', 'manifests/events.yaml', 'manifests/secrets.yaml']) {
    assert.ok(entries.has(`${folder}/${part}`), `${part} in ${[...entries.keys()].join(', ')}`);
  }
  assert.match(entries.get(`${folder}/manifests/deployment.yaml`)!, /name: cnpg-controller-manager/);
  assert.match(entries.get(`${folder}/manifests/secrets.yaml`)!, /name: operator-token[^]*token: ""/);
  assert.ok(![...entries.values()].join('\n').includes('s3cr3t-operator-value'), 'a Secret value is in the report');
});
