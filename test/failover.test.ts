// High availability on real PostgreSQL under a continuous writer with synchronous replication:
// every failure kind ends with a healthy cluster, every acknowledged row present, never two
// primaries taking writes, and the old primary streaming again.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest } from './support/manifests.js';
import { Writer } from './support/writer.js';
import { TwoPrimariesWatch, allAcknowledgedPresent as checkAcknowledged } from './support/ha.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
const CLUSTER = 'ha';
let uri = '';
let writer: Writer;
let ports: number[] = [];
let twoPrimaries: TwoPrimariesWatch | undefined;

const pods = () => env.pods(CLUSTER);

async function primaryPod(): Promise<LocalPod> {
  const p = (await pods()).find((x) => x.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  assert.ok(p, 'a primary pod');
  return p;
}

async function healthyWithNewPrimary(old: string): Promise<string> {
  return eventually(`a new primary other than ${old} and a healthy cluster`, async () => {
    const c = await env.json<{ status?: { phase?: string; readyInstances?: number; currentPrimary?: string } }>(['get', 'cluster', CLUSTER]);
    const s = c.status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3 && s.currentPrimary && s.currentPrimary !== old ? s.currentPrimary : undefined;
  }, 60_000, 100);
}

interface StatusReport {
  instancesStatus: Array<{ name: string; isPrimary: boolean; replication?: Array<{ applicationName: string; state: string }> }>;
}

async function oldPrimaryStreams(newPrimary: string, old: string): Promise<void> {
  await eventually(`${old} streaming from ${newPrimary}`, async () => {
    const report = JSON.parse(await env.ok(['status', CLUSTER, '-o', 'json'])) as StatusReport;
    const primary = report.instancesStatus.find((i) => i.name === newPrimary);
    return primary?.isPrimary && primary.replication?.some((r) => r.applicationName === old && r.state === 'streaming');
  }, 60_000, 200);
}

/** The primary lease of a local cluster (src/instance/lease-file-store.ts). */
const leaseHolder = (): string => (JSON.parse(readFileSync(join(env.home, 'instances', 'default', CLUSTER, '.lease', 'lease.json'), 'utf8')) as { record: { holder: string } }).record.holder;

const allAcknowledgedPresent = () => checkAcknowledged(uri, writer);

async function failAndRecover(what: string, inject: (primary: LocalPod) => Promise<void>): Promise<void> {
  const primary = await primaryPod();
  const ackedBefore = writer.acked.length;
  await sleep(300);
  assert.ok(writer.acked.length > ackedBefore, 'the writer is committing before the failure');
  const t0 = performance.now();
  await inject(primary);
  const next = await healthyWithNewPrimary(primary.metadata.name);
  const count = writer.acked.length;
  await eventually('the writer committing through -rw again', async () => writer.acked.length > count + 10, 30_000, 50);
  await oldPrimaryStreams(next, primary.metadata.name);
  assert.equal(leaseHolder(), next, 'the new primary holds the primary lease');
  await allAcknowledgedPresent();
  assert.equal(twoPrimaries?.moments, 0, 'two primaries accepted connections at the same moment');
  process.stdout.write(`# ${what}: ${primary.metadata.name} → ${next}, longest write gap ${(writer.longestGapSince(t0) / 1000).toFixed(2)} s\n`);
}

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  ports = (await pods()).map((p) => p.status.local.port);
  await Writer.prepare(uri);
  writer = new Writer(uri);
  writer.start();
  twoPrimaries = new TwoPrimariesWatch(() => ports, uri);
});

after(async () => {
  await writer?.stop();
  await twoPrimaries?.stop();
  await env.cleanup();
});

test('every instance is told of all its peers, so that a cut-off primary can tell it is alone', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(env.home, 'instances', 'default', CLUSTER);
  const names = readdirSync(dir).filter((e) => e.startsWith(`${CLUSTER}-`)).sort();
  assert.equal(names.length, 3);
  await eventually('every spec listing the two other instances', async () =>
    names.every((name) => {
      const spec = JSON.parse(readFileSync(join(dir, name, 'instance.json'), 'utf8')) as { peers: Array<{ name: string }> };
      return JSON.stringify(spec.peers.map((p) => p.name).sort()) === JSON.stringify(names.filter((n) => n !== name));
    }),
  10_000, 200);
});

test('synchronous replication is in force on the primary', async () => {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  const r = await c.query('SHOW synchronous_standby_names');
  await c.end();
  assert.match(r.rows[0].synchronous_standby_names, /^ANY 1 \("ha-\d", "ha-\d"\)$/);
});

test('kill -9 of the primary postmaster', async () => {
  await failAndRecover('kill -9 postmaster', async (p) => void process.kill(p.status.local.pid as number, 'SIGKILL'));
});

test('kill -9 of the primary’s whole instance (manager, postmaster, backends)', async () => {
  await failAndRecover('kill -9 instance', async (p) => void process.kill(-(p.status.local.managerPid as number), 'SIGKILL'));
});

test('cnpg delete pod of the primary, with a client session open on it', async () => {
  // The session would hold the deleted primary's smart shutdown for smartShutdownTimeout (180 s).
  const session = new pg.Client({ connectionString: uri });
  session.on('error', () => undefined);
  await session.connect();
  try {
    await failAndRecover('delete pod', async (p) => void (await env.ok(['delete', 'pod', p.metadata.name])));
  } finally {
    await session.end().catch(() => undefined);
  }
});

test('switchover with cnpg promote loses nothing and the old primary follows', async () => {
  await failAndRecover('switchover', async (p) => {
    const target = (await pods()).find((x) => x.metadata.name !== p.metadata.name)?.metadata.name as string;
    assert.match(await env.ok(['promote', CLUSTER, target]), new RegExp(`Node ${target} in cluster ${CLUSTER} will be promoted`));
  });
});

test('switchover requested with the cnpg.io/targetPrimary annotation', async () => {
  await failAndRecover('annotation switchover', async (p) => {
    const target = (await pods()).find((x) => x.metadata.name !== p.metadata.name)?.metadata.name as string;
    await env.ok(['annotate', 'cluster', CLUSTER, `cnpg.io/targetPrimary=${target}`]);
  });
  const c = await env.json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'cluster', CLUSTER]);
  assert.equal(c.metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'the request annotation is consumed');
});

test('ten failovers in a row', async () => {
  for (let i = 1; i <= 10; i++) await failAndRecover(`failover ${i}/10`, async (p) => void process.kill(p.status.local.pid as number, 'SIGKILL'));
});

test('a fenced primary does not fail over, takes no connections, and comes back when unfenced', async () => {
  const primary = await primaryPod();
  await env.ok(['fencing', 'on', CLUSTER, primary.metadata.name]);
  await eventually('the fenced primary stopped', async () => (await primaryPod()).status.local.pid === undefined, 30_000);
  await sleep(2000);
  const c = await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER]);
  assert.equal(c.status.currentPrimary, primary.metadata.name, 'no failover away from a fenced primary');
  await env.ok(['fencing', 'off', CLUSTER, primary.metadata.name]);
  await eventually('healthy again with the same primary', async () => {
    const s = (await env.json<{ status: { phase: string; currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status;
    return s.phase === 'Cluster in healthy state' && s.currentPrimary === primary.metadata.name;
  }, 60_000);
  await allAcknowledgedPresent();
});

test('restart (rolling) and reload keep the primary and lose nothing', async () => {
  const before = await pods();
  const primary = before.find((p) => p.metadata.labels['cnpg.io/instanceRole'] === 'primary')!.metadata.name;
  assert.match(await env.ok(['restart', CLUSTER]), /restart requested: standbys first, then the primary/);
  assert.match(await env.ok(['reload', CLUSTER]), /reload requested/);
  await eventually('every postmaster restarted and the cluster healthy with the same primary', async () => {
    const now = await pods();
    const restarted = now.every((p) => p.status.local.pid !== undefined && p.status.local.pid !== before.find((b) => b.metadata.name === p.metadata.name)?.status.local.pid);
    const s = (await env.json<{ status: { phase: string; currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status;
    return restarted && s.phase === 'Cluster in healthy state' && s.currentPrimary === primary;
  }, 180_000, 500);
  await allAcknowledgedPresent();
});

test('a primary cut off from the operator and every peer stops taking writes within the documented bound', async () => {
  const primary = await primaryPod();
  await env.ok(['operator', 'stop']);
  const stoppedAt = Date.now();
  for (const p of await podsWithoutOperator()) if (p.metadata.name !== primary.metadata.name) process.kill(-(p.status.local.managerPid as number), 'SIGKILL');
  const t0 = Date.now();
  await eventually('the isolated primary stopped PostgreSQL', async () => {
    try {
      process.kill(primary.status.local.pid as number, 0);
      return false;
    } catch {
      return true;
    }
  }, 20_000, 100);
  const elapsed = (Date.now() - t0) / 1000;
  assert.ok(elapsed <= 12, `stopped after ${elapsed}s; the bound is 10 s of no contact plus one 1 s check`);
  // The operator comes back and heals the cluster. The status it wrote before the cut says healthy
  // too, so only a Ready condition that came true after the cut counts.
  await eventually('healthy again after the operator returns', async () => {
    const s = (await env.json<{ status: { phase: string; readyInstances: number; conditions?: Array<{ type: string; status: string; lastTransitionTime: string }> } }>(['get', 'cluster', CLUSTER])).status;
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    return s.phase === 'Cluster in healthy state' && s.readyInstances === 3 && ready?.status === 'True' && Date.parse(ready.lastTransitionTime) > stoppedAt;
  }, 90_000, 500);
  await allAcknowledgedPresent();
});

/** Pods as recorded before the operator stopped: their process ids come from the instance records. */
async function podsWithoutOperator(): Promise<LocalPod[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(env.home, 'instances', 'default', CLUSTER);
  return readdirSync(dir)
    .filter((e) => e.startsWith(`${CLUSTER}-`))
    .map((e) => {
      const rec = JSON.parse(readFileSync(join(dir, e, 'platform.json'), 'utf8')) as { name: string; managerPid: number; pgPort: number };
      return { metadata: { name: rec.name, labels: {} }, status: { local: { managerPid: rec.managerPid, port: rec.pgPort } } };
    });
}
