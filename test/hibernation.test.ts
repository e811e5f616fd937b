// cnpg hibernate on|off on local processes (the scenario kubernetes-plugin.test.ts runs against a
// real API server): every instance stops, the primary first, with a smart shutdown that waits
// smartShutdownTimeout for a connected session and then a fast one; data and primary are kept,
// and the Cluster resumes with the same primary and every row.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { StoredCluster } from '../src/api/cluster-status.js';
import { TestEnv, eventually } from './support/env.js';
import { hibernationScenario } from './support/hibernation.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const SMART_SHUTDOWN_S = 4;
const STOP_DELAY_S = 300;

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { spec: { instances: 2, smartShutdownTimeout: SMART_SHUTDOWN_S, stopDelay: STOP_DELAY_S } }));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/pg', '--timeout=180s'], undefined, 200_000);
});

after(() => env.cleanup());

test('hibernate on stops every instance keeping data and primary; off resumes with the same primary and every row', { timeout: 600_000 }, async () => {
  const uri = Buffer.from((await env.ok(['get', 'secret', 'pg-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  await c.query('create table kept (id int primary key); insert into kept select generate_series(1, 1000)');
  await eventually('the standby has every row', async () => (await env.ok(['psql', 'pg', '--replica', '--', '-tAc', 'select count(*) from kept'])).trim() === '1000', 60_000, 500);
  // A session left open: the smart shutdown waits for it, then the fast one ends it.
  const ended = new Promise<string>((resolve) => c.on('error', (e) => resolve(e.message)));
  const started = Date.now();
  let stoppedAfter = 0;
  const hibernated = await hibernationScenario(
    {
      cnpg: (args) => env.run(args),
      cluster: (name) => env.json<StoredCluster>(['get', 'cluster', name]),
      instances: async (name) => {
        const pods = await env.pods(name);
        const running = pods.filter((p) => p.status.local.pid !== undefined || p.status.local.managerPid !== undefined).map((p) => p.metadata.name);
        if (running.length === 0 && stoppedAfter === 0) stoppedAfter = (Date.now() - started) / 1000;
        return { kept: pods.map((p) => p.metadata.name).sort(), running };
      },
    },
    'pg',
    1000,
  );
  assert.ok(stoppedAfter >= SMART_SHUTDOWN_S, `the smart shutdown waited ${SMART_SHUTDOWN_S}s for the open session (all stopped after ${stoppedAfter}s)`);
  // Only the kill at stopDelay could end it later; how much sooner is the machine's business.
  assert.ok(stoppedAfter < STOP_DELAY_S, `then a fast shutdown ended it, before stopDelay (all stopped after ${stoppedAfter}s)`);
  assert.match(await ended, /terminating connection|Connection terminated/);
  assert.equal(hibernated?.currentPrimary, 'pg-1');
  assert.match(await env.ok(['get', 'events']), /Hibernating\s.*Stopping pg-1 for hibernation/);
  const wrong = await env.run(['annotate', 'cluster', 'pg', 'cnpg.io/hibernation=yes', '--overwrite']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /metadata\.annotations\[cnpg\.io\/hibernation\]: must be "on" or "off" \(got "yes"\)/);
});
