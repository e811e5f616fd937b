// No state without a way out: a primary that isolated itself, with no standby able to replace it,
// is started again once the operator reaches it; and `cnpg restart` of an instance that would stay
// down says so instead of printing "restarted".
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { TestEnv, eventually } from './support/env.js';
import { signalAll } from './support/ha.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const CLUSTER = 'release';
const frozen: number[] = [];

const pods = () => env.pods(CLUSTER);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function acceptsWrites(port: number, password: string): Promise<boolean> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'app', database: 'app', password, connectionTimeoutMillis: 1000, query_timeout: 1000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query('SELECT NOT pg_is_in_recovery() AS w')).rows[0].w === true;
  } catch {
    return false;
  } finally {
    void c.end().catch(() => undefined);
  }
}

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: CLUSTER, spec: { instances: 2 } }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
});

after(async () => {
  signalAll(frozen, 'SIGCONT');
  await env.cleanup();
});

test('cnpg restart of a fenced instance is refused with the reason, not reported as done', async () => {
  const standby = (await pods()).find((p) => p.metadata.labels['cnpg.io/instanceRole'] !== 'primary')!.metadata.name;
  await env.ok(['fencing', 'on', CLUSTER, standby]);
  await eventually('the fenced standby stopped', async () => (await pods()).find((p) => p.metadata.name === standby)?.status.local.pid === undefined, 30_000);
  const r = await env.run(['restart', CLUSTER, standby]);
  assert.notEqual(r.code, 0, `exit code; stdout: ${r.stdout}`);
  assert.match(r.stderr, /fenced/);
  await env.ok(['fencing', 'off', CLUSTER, standby]);
  await eventually('healthy again', async () => (await env.json<{ status: { phase: string; readyInstances: number } }>(['get', 'cluster', CLUSTER])).status.readyInstances === 2, 60_000);
});

test('a self-isolated primary that no standby can replace is started again once the operator is back', async () => {
  const all = await pods();
  const primary = all.find((p) => p.metadata.labels['cnpg.io/instanceRole'] === 'primary')!;
  const standby = all.find((p) => p.metadata.name !== primary.metadata.name)!;
  const password = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.password}'])).trim(), 'base64').toString();
  await env.ok(['operator', 'stop']);
  // The standby's manager frozen: no peer answers the primary, and no standby can be promoted.
  frozen.push(standby.status.local.managerPid as number);
  signalAll(frozen, 'SIGSTOP');
  const pid = primary.status.local.pid as number;
  await eventually('the cut-off primary stopped PostgreSQL', async () => !alive(pid), 30_000, 200);
  // Any command brings the operator back.
  const t0 = Date.now();
  await env.ok(['get', 'cluster', CLUSTER]);
  await eventually('the primary taking writes again while the standby is still frozen', async () => acceptsWrites(primary.status.local.port, password), 60_000, 250);
  process.stdout.write(`# isolated primary taking writes again ${((Date.now() - t0) / 1000).toFixed(1)} s after the operator came back\n`);
  const s = (await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status;
  assert.equal(s.currentPrimary, primary.metadata.name);
  signalAll(frozen, 'SIGCONT');
  await eventually('healthy with both instances', async () => {
    const st = (await env.json<{ status: { phase: string; readyInstances: number } }>(['get', 'cluster', CLUSTER])).status;
    return st.phase === 'Cluster in healthy state' && st.readyInstances === 2;
  }, 90_000, 500);
});
