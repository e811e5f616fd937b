// Evidence decides a failover, on a busy machine: a primary whose instance manager stalls while
// the CPUs are oversubscribed is not failed over (and keeps taking writes), and a primary whose
// PostgreSQL freezes is failed over exactly once, with one writable primary at every sampled
// moment and every acknowledged write kept.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { allAcknowledgedPresent, oversubscribe, processTree, signalAll } from './support/ha.js';
import { manifest } from './support/manifests.js';
import { HaCluster } from './support/ha-cluster.js';
import type { Writer } from './support/writer.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
const CLUSTER = 'evidence';
const ha = new HaCluster(env, CLUSTER, 3);
let writer: Writer;

before(async () => {
  writer = await ha.start(manifest('cluster-sync.yaml', { name: CLUSTER }));
});

after(() => ha.stop());

test('a primary whose instance manager stalls on an oversubscribed machine is not failed over and keeps taking writes', async () => {
  const start = await ha.healthy();
  const primary = (await ha.pods()).find((p) => p.metadata.name === start.currentPrimary);
  const managerPid = primary?.status.local.managerPid;
  assert.ok(managerPid, 'the primary’s manager pid');
  ha.stress = oversubscribe(60);
  await sleep(2000);
  ha.stopped.push(managerPid);
  process.kill(managerPid, 'SIGSTOP');
  const ackedAtStop = writer.acked.length;
  // Longer than the uncertain-evidence window, shorter than the manager's own isolation bound.
  await sleep(8000);
  const ackedWhileStopped = writer.acked.length - ackedAtStop;
  process.kill(managerPid, 'SIGCONT');
  // Time for a wrong decision to show.
  await sleep(5000);
  ha.stopStress();
  const end = await ha.healthy();
  assert.equal(end.currentPrimary, start.currentPrimary, 'no failover');
  assert.equal(end.timelineID, start.timelineID, 'no promotion happened at all');
  assert.ok(ackedWhileStopped > 0, 'writes went on while the manager was stopped');
  assert.equal(ha.twoPrimaries?.moments, 0, 'two primaries accepted connections at the same moment');
  await allAcknowledgedPresent(ha.uri, writer);
  process.stdout.write(`# manager stalled 8 s under stress-ng: ${ackedWhileStopped} writes acknowledged meanwhile, no failover\n`);
});

test('a primary whose PostgreSQL freezes is failed over exactly once, losing nothing', async () => {
  const start = await ha.healthy();
  const primary = (await ha.pods()).find((p) => p.metadata.name === start.currentPrimary);
  const postmaster = primary?.status.local.pid;
  assert.ok(postmaster, 'the primary’s postmaster pid');
  ha.stress = oversubscribe(90);
  const frozen = processTree(postmaster);
  ha.stopped.push(...frozen);
  const t0 = performance.now();
  signalAll(frozen, 'SIGSTOP');
  const next = await eventually('a new primary', async () => {
    const s = await ha.status();
    return s.currentPrimary && s.currentPrimary !== start.currentPrimary && s.phase === 'Cluster in healthy state' ? s : undefined;
  }, 120_000, 250);
  const tookS = (performance.now() - t0) / 1000;
  // The old primary was killed by its isolation; continuing it changes nothing.
  signalAll(frozen, 'SIGCONT');
  ha.stopStress();
  const end = await ha.healthy();
  assert.equal(end.currentPrimary, next.currentPrimary);
  assert.equal(end.timelineID, (start.timelineID ?? 0) + 1, 'exactly one promotion');
  const count = writer.acked.length;
  await eventually('the writer committing through -rw again', async () => writer.acked.length > count + 10, 60_000, 100);
  assert.equal(ha.twoPrimaries?.moments, 0, 'two primaries accepted connections at the same moment');
  await allAcknowledgedPresent(ha.uri, writer);
  process.stdout.write(`# PostgreSQL frozen under stress-ng: ${start.currentPrimary} → ${end.currentPrimary} after ${tookS.toFixed(1)} s\n`);
});

/** The cluster's primary lease file (src/instance/lease-file-store.ts). */
function lease(): { holder: string; renewTime: string; acquireTime?: string } {
  return (JSON.parse(readFileSync(join(env.home, 'instances', 'default', CLUSTER, '.lease', 'lease.json'), 'utf8')) as { record: { holder: string; renewTime: string; acquireTime?: string } }).record;
}

test('a primary frozen whole (manager and PostgreSQL) keeps its lease until it expires: no promotion before', async () => {
  const start = await ha.healthy();
  const primary = (await ha.pods()).find((p) => p.metadata.name === start.currentPrimary);
  const managerPid = primary?.status.local.managerPid;
  assert.ok(managerPid, 'the primary’s manager pid');
  const frozen = processTree(managerPid);
  ha.stopped.push(...frozen);
  signalAll(frozen, 'SIGSTOP');
  // Its last renewal: a frozen manager writes no other.
  const before = lease();
  assert.equal(before.holder, start.currentPrimary);
  // Not healthy yet: the old primary's instance stays frozen until continued below.
  const next = await eventually('a new primary', async () => {
    const s = await ha.status();
    return s.currentPrimary && s.currentPrimary !== start.currentPrimary && lease().holder === s.currentPrimary ? s : undefined;
  }, 120_000, 250).catch(async (e: Error) => {
    throw new Error(`${e.message}\nlease: ${JSON.stringify(lease())}\n${await env.diagnostics()}`);
  });
  const taken = lease();
  assert.equal(taken.holder, next.currentPrimary);
  const waitedS = (Date.parse(taken.acquireTime ?? '') - Date.parse(before.renewTime)) / 1000;
  // The manager could not be reached, so nothing certain said it had stopped: once the operator
  // decided to fail over, the candidate still had to see the lease sit unrenewed for leaseDuration (15 s).
  const events = await env.json<{ items: Array<{ reason: string; lastTimestamp: string }> }>(['get', 'events', '--field-selector', `involvedObject.name=${CLUSTER},reason=FailingOver`]);
  const decided = Math.max(...events.items.map((e) => Date.parse(e.lastTimestamp)));
  const heldBackS = (Date.parse(taken.acquireTime ?? '') - decided) / 1000;
  assert.ok(heldBackS >= 15, `the lease was taken ${heldBackS.toFixed(1)} s after the failover began, before it could have expired`);
  signalAll(frozen, 'SIGCONT');
  const end = await ha.healthy().catch(async (e: Error) => {
    throw new Error(`${e.message}\nlease: ${JSON.stringify(lease())}\n${await env.diagnostics()}`);
  });
  assert.equal(end.currentPrimary, next.currentPrimary, 'the old primary, continued, finds its lease taken and does not come back as primary');
  assert.equal(end.timelineID, (start.timelineID ?? 0) + 1, 'exactly one promotion');
  assert.equal(ha.twoPrimaries?.moments, 0, 'two primaries accepted connections at the same moment');
  await allAcknowledgedPresent(ha.uri, writer);
  process.stdout.write(`# frozen primary instance: ${start.currentPrimary} → ${end.currentPrimary}, lease taken ${waitedS.toFixed(1)} s after its last renewal, ${heldBackS.toFixed(1)} s after the failover began\n`);
});
