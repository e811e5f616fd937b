// Self-fencing of a primary in a Pod, through a real kube-apiserver: cut off from the API server and
// from every peer, the primary's instance manager stops PostgreSQL within the documented bound;
// cut off from the API server alone, it keeps serving. Healing loses no acknowledged commit.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { ISOLATION_CHECK_MS, ISOLATION_STOP_MS, hasContact } from '../src/instance/isolation.js';
import type { InstanceSpec } from '../src/instance/spec.js';
import type { InstanceStatus } from '../src/instance/status.js';
import { MANAGER_PORT, POSTGRES_PORT } from '../src/api/names.js';
import { managerSecretName } from '../src/platform/kubernetes/specs.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { KubeletStandIn } from './support/kubelet.js';
import { freezePod, thawPod } from './support/pod-processes.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';
import { Writer } from './support/writer.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Timer and process start-up lag on a loaded 2-core machine; not part of the bound itself. */
const SLACK_MS = 2000;

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator | undefined;
/** While the API server is down an operator could only crash again, as a Deployment's would. */
let apiServerUp = true;
let finished = false;
let kubeletDir = '';
let writer: Writer | undefined;

/**
 * The operator exits when it cannot renew its Lease or start its controllers (the API server is
 * gone or still initializing), as controller-runtime does; its Deployment starts it again.
 */
function ensureOperator(): void {
  if (finished || !apiServerUp || operator?.running) return;
  const started = new TestOperator(cp);
  const child = started.child;
  child.on('exit', () => setTimeout(ensureOperator, 1000).unref());
  operator = started;
}

async function stopApiServer(): Promise<void> {
  apiServerUp = false;
  await cp.stopApiServer();
}

async function startApiServer(): Promise<void> {
  await cp.startApiServer();
  apiServerUp = true;
  ensureOperator();
}

const clusterStatus = async (): Promise<ClusterStatus> => (await readCluster(kc, 'pg')).status ?? {};

/** Healthy by the Cluster's status and by the facts: right after an outage the status is the old one. */
async function healthy(): Promise<ClusterStatus> {
  return eventually('a healthy cluster of 2 with exactly one primary, the one it names', async () => {
    const s = await clusterStatus();
    if (s.phase !== 'Cluster in healthy state' || s.readyInstances !== 2) return undefined;
    const managers = await Promise.all(['pg-1', 'pg-2'].map(managerStatus));
    const primaries = managers.filter((m) => m.isPrimary).map((m) => m.name);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/instanceRole=primary' });
    const routed = pods.items.map((p) => p.metadata?.name);
    return managers.every((m) => m.ready) && primaries.length === 1 && primaries[0] === s.currentPrimary && routed.length === 1 && routed[0] === s.currentPrimary ? s : undefined;
  }, 240_000, 500).catch(async (e: Error) => {
    const s = await clusterStatus().catch(() => ({}));
    throw new Error(`${e.message}\nstatus: ${JSON.stringify(s)}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${(operator?.output(4000) ?? '')}\nmanagers:\n${[...kubelet.logs].map(([k, v]) => `${k}: ${v.slice(-2500)}`).join('\n')}`);
  });
}

function ip(name: string): string {
  const address = kubelet.ipOf(name);
  if (!address) throw new Error(`pod ${name} has no address`);
  return address;
}

async function managerStatus(name: string): Promise<InstanceStatus> {
  const res = await fetch(`http://${ip(name)}:${MANAGER_PORT}/pg/status`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as InstanceStatus;
}

/** What the operator told the instance manager, as the Pod mounts it. */
async function instanceSpec(name: string): Promise<InstanceSpec> {
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: managerSecretName(name), namespace: 'default' });
  return JSON.parse(Buffer.from(secret.data!['instance.json']!, 'base64').toString()) as InstanceSpec;
}

async function appUri(name: string): Promise<string> {
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'pg-app', namespace: 'default' });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  return `postgresql://app:${encodeURIComponent(password)}@${ip(name)}:${POSTGRES_PORT}/app`;
}

/** What refusal looks like: nobody listening, or PostgreSQL shutting down (57P03, 57P01). */
const REFUSALS = new Set(['ECONNREFUSED', '57P03', '57P01']);

/**
 * A fresh session on the primary every time, so a postmaster that stopped taking connections shows
 * at once; a timeout on a loaded machine is neither acceptance nor refusal.
 */
async function session(uri: string): Promise<'accepted' | 'refused' | 'unknown'> {
  const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === false ? 'accepted' : 'unknown';
  } catch (e) {
    return REFUSALS.has((e as { code?: string }).code ?? '') ? 'refused' : 'unknown';
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Unauthenticated, as the instance manager's probe asks. */
function anonymousStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-kubelet-'));
  kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  ensureOperator();
  // Synchronous: a commit is acknowledged only once the standby has it, so the failover that
  // follows a fenced primary may lose nothing acknowledged (asynchronously it would lose what the
  // primary acknowledged while cut off, however short the bound).
  await createCluster(kc, 'pg', { instances: 2, storage: { size: '1Gi' }, postgresql: { synchronous: { method: 'any', number: 1 } } });
  assert.equal((await healthy()).currentPrimary, 'pg-1');
  const uri = await appUri('pg-1');
  await Writer.prepare(uri);
  writer = new Writer(uri);
  writer.start();
});

after(async () => {
  finished = true;
  await writer?.stop();
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
});

test('a primary that loses only the API server keeps taking writes', { timeout: 300_000 }, async () => {
  // The primary was configured before its standby's Pod had an address; it must learn it.
  const spec = await eventually('pg-1 told of pg-2 at its Pod IP', async () => {
    const s = await instanceSpec('pg-1');
    return s.peers.some((p) => p.name === 'pg-2' && p.host === ip('pg-2')) ? s : undefined;
  }, 30_000);
  assert.ok(spec.controlPlaneUrl, 'the operator gives the instance managers the API server to probe');
  // The probe is anonymous, as from a Pod with no token mounted: the API server answers /livez to
  // system:unauthenticated (system:public-info-viewer), and a 401/403 would count as contact too.
  assert.equal(await anonymousStatus(spec.controlPlaneUrl), 200);
  const controlPlaneOnly: InstanceSpec = { ...spec, peers: [{ name: 'nobody', host: '127.0.0.1', statusPort: await closedPort() }] };
  assert.equal(await hasContact(controlPlaneOnly), true, 'the API server counts as contact');

  const fenceBound = spec.isolationTimeoutMs + ISOLATION_CHECK_MS + ISOLATION_STOP_MS;
  await stopApiServer();
  const cut = performance.now();
  assert.equal(await hasContact(controlPlaneOnly), false, 'with the API server gone, only the peer is left');
  await sleep(fenceBound + SLACK_MS);
  const status = await managerStatus('pg-1');
  assert.equal(status.phase, 'running', JSON.stringify(status));
  assert.equal(status.postgresRunning, true);
  assert.ok(writer!.ackTimes.some((t) => t > cut + fenceBound), `writes kept being acknowledged for ${(fenceBound + SLACK_MS) / 1000} s without the API server`);

  await startApiServer();
  assert.equal((await healthy()).currentPrimary, 'pg-1', 'nothing failed over');
});

test('a primary cut off from the API server and every peer stops taking writes within the bound, and healing loses nothing', { timeout: 300_000 }, async () => {
  const spec = await instanceSpec('pg-1');
  // The manager stops PostgreSQL on the first check after isolationTimeoutMs without contact; fast
  // shutdown refuses new sessions and ends open ones at once, and turns immediate after ISOLATION_STOP_MS.
  const refuseBound = spec.isolationTimeoutMs + ISOLATION_CHECK_MS;
  const stopBound = refuseBound + ISOLATION_STOP_MS;
  const uri = await appUri('pg-1');
  assert.equal(await session(uri), 'accepted');
  const replication = (await managerStatus('pg-1')).replicationInfo;
  assert.ok(replication.some((r) => r.applicationName === 'pg-2' && r.state === 'streaming' && r.syncState !== 'async'), `pg-2 is a synchronous standby: ${JSON.stringify(replication)}`);

  await stopApiServer();
  freezePod(kubelet, 'pg-2');
  const cut = performance.now();
  const ackedBeforeCut = writer!.ackTimes.filter((t) => t <= cut).length;
  assert.ok(ackedBeforeCut > 0, 'the writer was committing before the cut');
  try {
    const refusedAt = await eventually('the primary refusing sessions', async () => (await session(uri)) === 'refused' && performance.now(), stopBound + 10_000, 100);
    const refusedAfter = refusedAt - cut;
    const stopped = await eventually('the manager reporting PostgreSQL isolated and stopped', async () => {
      const s = await managerStatus('pg-1').catch(() => undefined);
      return s?.phase === 'isolated' && !s.postgresRunning ? s : undefined;
    }, stopBound + 10_000, 100);
    const stoppedAfter = performance.now() - cut;
    console.log(`cut to refused session: ${(refusedAfter / 1000).toFixed(2)} s (bound ${refuseBound / 1000} s); to PostgreSQL stopped: ${(stoppedAfter / 1000).toFixed(2)} s (bound ${stopBound / 1000} s); ${stopped.isolationReason}`);
    assert.ok(refusedAfter <= refuseBound + SLACK_MS, `sessions refused ${refusedAfter} ms after the cut; the bound is ${refuseBound} ms`);
    assert.ok(stoppedAfter <= stopBound + SLACK_MS, `PostgreSQL stopped ${stoppedAfter} ms after the cut; the bound is ${stopBound} ms`);
    assert.match(stopped.isolationReason ?? '', /no contact/);
    await writer!.stop();
    assert.ok(!writer!.ackTimes.some((t) => t > refusedAt), 'no commit acknowledged once the primary refused sessions');
  } finally {
    thawPod(kubelet, 'pg-2');
    await startApiServer();
  }

  const s = await healthy();
  const c = new pg.Client({ connectionString: await appUri(s.currentPrimary!) });
  await c.connect();
  try {
    const present = new Set((await c.query<{ n: string }>('SELECT n FROM ha_writes')).rows.map((r) => Number(r.n)));
    const lost = writer!.acked.filter((n) => !present.has(n));
    assert.deepEqual(lost, [], `of ${writer!.acked.length} acknowledged commits (${ackedBeforeCut} before the cut)`);
    console.log(`healed: primary ${s.currentPrimary}; all ${writer!.acked.length} acknowledged commits present (${ackedBeforeCut} before the cut, ${writer!.acked.length - ackedBeforeCut} after)`);
  } finally {
    await c.end();
  }
});
