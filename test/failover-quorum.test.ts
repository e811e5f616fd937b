// spec.postgresql.synchronous.failoverQuorum on real PostgreSQL: with one of the two potential
// synchronous standbys fenced (not promotable), a killed primary is not failed over (R=1, W=1,
// N=2) but started again with every acknowledged row; with both standbys back, it is.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest } from './support/manifests.js';
import { Writer } from './support/writer.js';
import { allAcknowledgedPresent } from './support/ha.js';

const env = new TestEnv();
const CLUSTER = 'fq';
let uri = '';
let writer: Writer;

interface ClusterView {
  status?: { phase?: string; phaseReason?: string; currentPrimary?: string; readyInstances?: number; failoverQuorum?: { standbyNames: string[]; standbyNumber: number; primary: string } };
}
const cluster = () => env.json<ClusterView>(['get', 'cluster', CLUSTER]);

async function primaryPod(): Promise<LocalPod> {
  const p = (await env.pods(CLUSTER)).find((x) => x.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  assert.ok(p, 'a primary pod');
  return p;
}

const healthy = () => eventually('a healthy cluster', async () => (await cluster()).status?.phase === 'Cluster in healthy state', 60_000, 200);

before(async () => {
  const spec = { postgresql: { synchronous: { method: 'any', number: 1, failoverQuorum: true } } };
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER, spec }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  await Writer.prepare(uri);
  writer = new Writer(uri);
  writer.start();
});

after(async () => {
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
