// spec.postgresql.synchronous.failoverQuorum on real PostgreSQL: with one of the two potential
// synchronous standbys fenced (not promotable), a killed primary is not failed over (R=1, W=1,
// N=2) but started again with every acknowledged row; with both standbys back, it is. During a
// hold, `cnpg promote` of a named standby promotes exactly that one, not the most advanced.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest } from './support/manifests.js';
import { Writer } from './support/writer.js';
import { allAcknowledgedPresent, processTree, signalAll } from './support/ha.js';

const env = new TestEnv();
const CLUSTER = 'fq';
let uri = '';
let writer: Writer;

interface ClusterView {
  status?: { phase?: string; phaseReason?: string; currentPrimary?: string; timelineID?: number; readyInstances?: number; failoverQuorum?: { standbyNames: string[]; standbyNumber: number; primary: string } };
}
const cluster = () => env.json<ClusterView>(['get', 'cluster', CLUSTER]);

async function primaryPod(): Promise<LocalPod> {
  const p = (await env.pods(CLUSTER)).find((x) => x.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  assert.ok(p, 'a primary pod');
  return p;
}

const healthy = () => eventually('a healthy cluster', async () => (await cluster()).status?.phase === 'Cluster in healthy state', 60_000, 200);

const SYNC = { postgresql: { synchronous: { method: 'any', number: 1, failoverQuorum: true } } };
const frozen: number[] = [];

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER, spec: SYNC }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  await Writer.prepare(uri);
  writer = new Writer(uri);
  writer.start();
});

after(async () => {
  signalAll(frozen, 'SIGCONT');
  await writer?.stop();
  await env.cleanup();
});

test('the primary records the synchronous configuration it runs', async () => {
  const primary = (await primaryPod()).metadata.name;
  const record = await eventually('status.failoverQuorum', async () => (await cluster()).status?.failoverQuorum, 30_000, 200);
  assert.equal(record.primary, primary);
  assert.equal(record.standbyNumber, 1);
  assert.deepEqual(record.standbyNames.sort(), [`${CLUSTER}-1`, `${CLUSTER}-2`, `${CLUSTER}-3`].filter((n) => n !== primary));
  const shown = JSON.parse(await env.ok(['get', 'cluster', CLUSTER, '-o', 'jsonpath={.status.failoverQuorum}'])) as typeof record;
  assert.equal(shown.primary, primary, 'as docs/high-availability.md shows it');
});

test('R + W = N: a killed primary is not failed over, says why, and comes back as the primary', async () => {
  const primary = await primaryPod();
  const [fencedStandby] = (await env.pods(CLUSTER)).map((p) => p.metadata.name).filter((n) => n !== primary.metadata.name);
  await env.ok(['fencing', 'on', CLUSTER, fencedStandby!]);
  await eventually('the fenced standby not ready', async () => (await cluster()).status?.readyInstances === 2, 30_000, 200);
  process.kill(-(primary.status.local.managerPid as number), 'SIGKILL');
  const events = await eventually('a FailoverQuorumNotMet event', async () => {
    const out = await env.ok(['get', 'events', '--field-selector', `involvedObject.name=${CLUSTER},reason=FailoverQuorumNotMet`]);
    return out.includes('R=1 promotable of N=2') ? out : undefined;
  }, 30_000, 200);
  assert.match(events, /W=1/);
  await eventually(`${primary.metadata.name} the primary again`, async () => {
    const s = (await cluster()).status;
    return s?.currentPrimary === primary.metadata.name && s.readyInstances === 2;
  }, 60_000, 200);
  assert.equal((await primaryPod()).metadata.name, primary.metadata.name, 'no standby was promoted');
  await env.ok(['fencing', 'off', CLUSTER, fencedStandby!]);
  await healthy();
  await allAcknowledgedPresent(uri, writer);
});

test('R + W > N: with both standbys promotable a killed primary is failed over', async () => {
  const primary = await primaryPod();
  process.kill(-(primary.status.local.managerPid as number), 'SIGKILL');
  const next = await eventually('a new primary', async () => {
    const s = (await cluster()).status;
    return s?.phase === 'Cluster in healthy state' && s.currentPrimary !== primary.metadata.name ? s.currentPrimary : undefined;
  }, 60_000, 100);
  assert.notEqual(next, primary.metadata.name);
  await allAcknowledgedPresent(uri, writer);
});

/** What a standby received and replayed, straight from its PostgreSQL. */
async function position(pod: LocalPod): Promise<{ name: string; received: bigint; replayed: bigint }> {
  const url = new URL(uri);
  url.port = String(pod.status.local.port);
  const c = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const r = await c.query<{ received: string | null; replayed: string | null }>('SELECT pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed');
    const lsn = (v: string | null | undefined): bigint => {
      const [hi, lo] = (v ?? '0/0').split('/');
      return (BigInt(`0x${hi ?? '0'}`) << 32n) + BigInt(`0x${lo ?? '0'}`);
    };
    return { name: pod.metadata.name, received: lsn(r.rows[0]?.received), replayed: lsn(r.rows[0]?.replayed) };
  } finally {
    await c.end().catch(() => undefined);
  }
}

test('during a hold, cnpg promote of a named standby promotes exactly that standby, not the most advanced', async () => {
  // Four instances: N=3 names, W=1; one standby fenced leaves R=2, and R + W = N holds a failover.
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER, spec: { ...SYNC, instances: 4 } }));
  await eventually('four instances in the record', async () => {
    const s = (await cluster()).status;
    return s?.readyInstances === 4 && s.phase === 'Cluster in healthy state' && s.failoverQuorum?.standbyNames.length === 3;
  }, 180_000, 500);
  const primary = await primaryPod();
  const standbys = (await env.pods(CLUSTER)).filter((p) => p.metadata.name !== primary.metadata.name);
  const [fencedStandby, ...candidates] = standbys;
  await env.ok(['fencing', 'on', CLUSTER, fencedStandby!.metadata.name]);
  await eventually('the fenced standby not ready', async () => (await cluster()).status?.readyInstances === 3, 30_000, 200);
  const before = (await cluster()).status?.timelineID ?? 0;
  frozen.push(...processTree(primary.status.local.pid as number));
  signalAll(frozen, 'SIGSTOP');
  await eventually('the failover held', async () => /failover quorum not met: R=2 promotable of N=3/.test((await cluster()).status?.phaseReason ?? ''), 120_000, 200);
  // The primary is frozen, so these positions are final: the operator would promote the first.
  const ranked = (await Promise.all(candidates.map(position))).sort(
    (a, b) => Number(b.received - a.received) || Number(b.replayed - a.replayed) || a.name.localeCompare(b.name, 'en', { numeric: true }),
  );
  const named = ranked[1]!.name;
  process.stdout.write(`positions at the hold: ${ranked.map((r) => `${r.name} received ${r.received} replayed ${r.replayed}`).join('; ')}; promoting ${named}\n`);
  await env.ok(['promote', CLUSTER, named]);
  const promoted = await eventually('a new primary', async () => {
    const s = (await cluster()).status;
    return s?.currentPrimary !== primary.metadata.name && s?.currentPrimary !== undefined && s.phase !== 'Failing over' ? s : undefined;
  }, 120_000, 200);
  signalAll(frozen, 'SIGCONT');
  assert.equal(promoted.currentPrimary, named, `named ${named}, most advanced ${ranked[0]!.name}`);
  await env.ok(['fencing', 'off', CLUSTER, fencedStandby!.metadata.name]);
  // The old primary rejoins as a standby of the named one, which may take a rewind.
  await eventually('a healthy cluster of four', async () => {
    const s = (await cluster()).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 4;
  }, 180_000, 500);
  assert.equal((await primaryPod()).metadata.name, named);
  assert.equal((await cluster()).status?.timelineID, before + 1, 'exactly one promotion');
});
