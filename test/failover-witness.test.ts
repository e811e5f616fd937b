// Only witnesses corroborate uncertain evidence (src/operator/failure-witness.ts), on a busy machine:
// a primary that answers slowly while its only standby restarts (and cannot stream from it yet) is
// not failed over, because a standby that has not streamed since it started knows nothing of the
// primary. Seen in CI: after a refused major upgrade both instances started again, the primary's
// manager answered slowly for 5 s and the standby, not yet connected, was taken as proof it was dead.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnv } from './support/env.js';
import { allAcknowledgedPresent, oversubscribe, processTree, signalAll } from './support/ha.js';
import { manifest } from './support/manifests.js';
import { HaCluster, type HaClusterStatus } from './support/ha-cluster.js';
import type { Writer } from './support/writer.js';

const env = new TestEnv();
const CLUSTER = 'witness';
const ha = new HaCluster(env, CLUSTER, 2);
let writer: Writer;

before(async () => {
  writer = await ha.start(manifest('cluster.yaml', { name: CLUSTER, spec: { instances: 2 } }));
});

after(() => ha.stop());

test('a slow primary whose only standby is restarting is not failed over, under load', async () => {
  const start = await ha.healthy();
  const list = await ha.pods();
  const primary = list.find((p) => p.metadata.name === start.currentPrimary);
  const standby = list.find((p) => p.metadata.name !== start.currentPrimary);
  const managerPid = primary?.status.local.managerPid;
  const postmaster = primary?.status.local.pid;
  const standbyPostmaster = standby?.status.local.pid;
  assert.ok(managerPid && postmaster && standbyPostmaster, 'the primary’s manager and postmaster, the standby’s postmaster');
  ha.stress = oversubscribe(60);
  await sleep(2000);
  // The primary is slow as an oversubscribed machine makes it: its manager does not answer in time,
  // and its postmaster takes no new connection (the sessions already open go on committing).
  ha.stopped.push(postmaster, managerPid);
  process.kill(postmaster, 'SIGSTOP');
  process.kill(managerPid, 'SIGSTOP');
  // Meanwhile its only standby restarts: its PostgreSQL dies, its manager starts it again, and it
  // cannot connect its WAL receiver to the primary yet.
  signalAll(processTree(standbyPostmaster), 'SIGKILL');
  const reasons = new Set<string>();
  // Past the uncertain-evidence window, short of the primary lease's 15 s (which a stopped manager does not renew).
  const until = performance.now() + 11_000;
  while (performance.now() < until) {
    const s = await ha.status().catch(() => ({}) as HaClusterStatus);
    if (s.phaseReason) reasons.add(s.phaseReason);
    await sleep(500);
  }
  process.kill(managerPid, 'SIGCONT');
  process.kill(postmaster, 'SIGCONT');
  // Time for a wrong decision to show.
  await sleep(5000);
  ha.stopStress();
  const end = await ha.healthy().catch(async (e: Error) => {
    throw new Error(`${e.message}\nreasons: ${[...reasons].join(' | ')}\n${await env.diagnostics()}`);
  });
  const events = await env.json<{ items: Array<{ reason: string; message: string }> }>(['get', 'events', '--field-selector', `involvedObject.name=${CLUSTER},reason=FailingOver`]);
  assert.deepEqual(events.items.map((e) => e.message), [], 'no FailingOver event');
  assert.equal(end.currentPrimary, start.currentPrimary, 'no failover');
  assert.equal(end.timelineID, start.timelineID, 'no promotion happened at all');
  assert.ok([...reasons].some((r) => /no standby witnesses its failure/.test(r)), `held for want of a witness; the phase said: ${[...reasons].join(' | ')}`);
  assert.equal(ha.twoPrimaries?.moments, 0, 'two primaries accepted connections at the same moment');
  await allAcknowledgedPresent(ha.uri, writer);
  process.stdout.write(`# held while the primary was slow and its standby restarting: ${[...reasons].filter((r) => /no standby witnesses/.test(r)).slice(0, 1).join('')}\n`);
});
