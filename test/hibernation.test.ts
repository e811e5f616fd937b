// cnpg hibernate on|off on local processes: every instance stops (the primary first, with a smart
// shutdown that waits smartShutdownTimeout for a connected session, then a fast one), the data and
// the primary are kept, and the Cluster resumes with the same primary and every row.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredCluster } from '../src/api/cluster-status.js';
import { TestEnv, eventually } from './support/env.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const SMART_SHUTDOWN_S = 4;
let uri = '';

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { spec: { instances: 2, smartShutdownTimeout: SMART_SHUTDOWN_S, stopDelay: 60 } }));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/pg', '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', 'pg-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
});

after(() => env.cleanup());

const cluster = () => env.json<StoredCluster>(['get', 'cluster', 'pg']);
const count = async (replica: boolean) => Number((await env.ok(['psql', 'pg', ...(replica ? ['--replica'] : []), '--', '-d', 'app', '-tAc', 'select count(*) from kept'])).trim());

test('hibernate on stops every instance keeping data and primary; off resumes with the same primary and every row', { timeout: 600_000 }, async () => {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  await c.query('create table kept (id int primary key); insert into kept select generate_series(1, 1000)');
  const primary = (await cluster()).status?.currentPrimary;
  assert.equal(primary, 'pg-1');
  await eventually('the standby has every row', async () => (await count(true)) === 1000, 60_000, 500);
  // A session left open: the smart shutdown waits for it, then the fast one ends it.
  const ended = new Promise<string>((resolve) => c.on('error', (e) => resolve(e.message)));

  const started = Date.now();
  assert.match(await env.ok(['hibernate', 'on', 'pg']), /^cluster pg hibernation requested/);
  const hibernated = await eventually('a hibernated cluster', async () => {
    const s = (await cluster()).status;
    const condition = s?.conditions?.find((x) => x.type === 'cnpg.io/hibernation');
    return condition?.status === 'True' && condition.reason === 'Hibernated' ? s : undefined;
  }, 120_000, 200);
  const took = (Date.now() - started) / 1000;
  assert.ok(took >= SMART_SHUTDOWN_S, `the smart shutdown waited ${SMART_SHUTDOWN_S}s for the open session (took ${took}s)`);
  assert.ok(took < 40, `then a fast shutdown ended it, well before stopDelay (took ${took}s)`);
  assert.match(await ended, /terminating connection|Connection terminated/);
  assert.equal(hibernated.phase, 'Cluster in hibernation');
  assert.equal(hibernated.currentPrimary, primary, 'the primary is kept');
  const pods = await env.pods('pg');
  assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['pg-1', 'pg-2'], 'both instances and their data stay');
  assert.ok(pods.every((p) => p.status.local.pid === undefined && p.status.local.managerPid === undefined), `nothing runs: ${JSON.stringify(pods.map((p) => p.status.local))}`);
  const events = await env.ok(['get', 'events']);
  assert.match(events, /Hibernating\s.*Stopping pg-1 for hibernation/);

  const again = await env.run(['hibernate', 'on', 'pg']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /cluster pg is already in the requested state/);
  const wrong = await env.run(['annotate', 'cluster', 'pg', 'cnpg.io/hibernation=yes', '--overwrite']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /metadata\.annotations\[cnpg\.io\/hibernation\]: must be "on" or "off" \(got "yes"\)/);
  // Still hibernated a moment later: nothing restarts it behind the user's back.
  await sleep(2000);
  assert.ok((await env.pods('pg')).every((p) => p.status.local.pid === undefined));

  assert.match(await env.ok(['hibernate', 'off', 'pg']), /^cluster pg resume requested/);
  await eventually('a healthy cluster again', async () => {
    const s = (await cluster()).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && !s.conditions?.some((x) => x.type === 'cnpg.io/hibernation');
  }, 180_000, 500);
  const resumed = (await cluster()).status;
  assert.equal(resumed?.currentPrimary, primary, 'resumed with the same primary');
  assert.equal(resumed?.timelineID, hibernated.timelineID, 'nothing was promoted');
  assert.equal(await count(false), 1000);
  await eventually('the standby has every row', async () => (await count(true)) === 1000, 60_000, 500);
  await env.ok(['psql', 'pg', '--', '-d', 'app', '-c', 'insert into kept values (1001)']);
});
