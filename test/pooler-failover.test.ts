// A failover under pooled load: writers commit through an rw Pooler in transaction mode on a
// cluster with synchronous replication; the primary is killed (and later switched over), the
// pooler follows the cluster's -rw endpoint to the new primary, and every acknowledged row is there.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { stringify } from 'yaml';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest } from './support/manifests.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
const CLUSTER = 'ha';
const POOLER = 'ha-pooler';
const WRITERS = 20;
let app: URL;
let pooler: { host: string; port: number };
/** Each round's writers get ids of their own, so that their rows never collide with an earlier round's. */
let nextWriterId = 0;

/** Writers that commit numbered rows through the pooler, reconnecting after any error, and remember what was acknowledged. */
class PooledWriters {
  readonly acked: Array<{ writer: number; n: number; at: number }> = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly endpoint: { host: string; port: number }) {
    this.loops = Array.from({ length: WRITERS }, () => this.run(nextWriterId++));
  }

  private async run(writer: number): Promise<void> {
    let n = 0;
    while (this.running) {
      const c = new pg.Client({ ...this.endpoint, user: app.username, password: decodeURIComponent(app.password), database: 'app', connectionTimeoutMillis: 2000, query_timeout: 10_000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        while (this.running) {
          n++;
          await c.query('INSERT INTO pooled_writes (writer, n) VALUES ($1, $2)', [writer, n]);
          this.acked.push({ writer, n, at: performance.now() });
        }
      } catch {
        await sleep(20);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  }

  /** The longest time without an acknowledged commit after t0. */
  longestGapSince(t0: number): number {
    const times = [t0, ...this.acked.map((a) => a.at).filter((t) => t >= t0)];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] as number) - (times[i - 1] as number));
    return gap;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function allAcknowledgedPresent(writers: PooledWriters): Promise<void> {
  const acked = [...writers.acked];
  const c = new pg.Client({ connectionString: app.toString() });
  await c.connect();
  try {
    const r = await c.query<{ writer: number; n: string }>('SELECT writer, n FROM pooled_writes');
    const present = new Set(r.rows.map((row) => `${row.writer}/${row.n}`));
    const lost = acked.filter((a) => !present.has(`${a.writer}/${a.n}`));
    assert.deepEqual(lost, [], `${lost.length} acknowledged rows lost`);
  } finally {
    await c.end();
  }
}

async function primaryPod(): Promise<LocalPod> {
  const p = (await env.pods(CLUSTER)).find((x) => x.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  assert.ok(p, 'a primary pod');
  return p;
}

async function healthyWithNewPrimary(old: string): Promise<string> {
  return eventually(`a new primary other than ${old} and a healthy cluster`, async () => {
    const s = (await env.json<{ status?: { phase?: string; readyInstances?: number; currentPrimary?: string } }>(['get', 'cluster', CLUSTER])).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3 && s.currentPrimary && s.currentPrimary !== old ? s.currentPrimary : undefined;
  }, 90_000, 100);
}

async function underPooledLoad(what: string, inject: (primary: LocalPod) => Promise<void>): Promise<void> {
  const writers = new PooledWriters(pooler);
  try {
    await eventually('writers committing through the pooler', async () => writers.acked.length > 200, 30_000, 50);
    const primary = await primaryPod();
    const t0 = performance.now();
    await inject(primary);
    const next = await healthyWithNewPrimary(primary.metadata.name);
    const promotedAt = performance.now();
    const count = writers.acked.length;
    await eventually('commits through the pooler again', async () => writers.acked.length > count + 100, 60_000, 50);
    process.stdout.write(
      `# ${what}: ${primary.metadata.name} → ${next}; ${writers.acked.length} commits by ${WRITERS} writers, ` +
        `cluster healthy after ${((promotedAt - t0) / 1000).toFixed(2)} s, longest gap between commits through the pooler ${(writers.longestGapSince(t0) / 1000).toFixed(2)} s\n`,
    );
    // The cluster's failover time plus one PgBouncer reconnect, with room for a busy machine.
    assert.ok(writers.longestGapSince(t0) < 30_000, `no commit through the pooler for ${writers.longestGapSince(t0)} ms`);
  } finally {
    await writers.stop();
  }
  await allAcknowledgedPresent(writers);
}

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER }));
  const spec = { cluster: { name: CLUSTER }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction', parameters: { max_client_conn: '1000', default_pool_size: '10' } } };
  await env.ok(['apply', '-f', '-'], stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: POOLER }, spec }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  app = new URL(Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString());
  const c = new pg.Client({ connectionString: app.toString() });
  await c.connect();
  await c.query('CREATE TABLE pooled_writes (writer int, n bigint, PRIMARY KEY (writer, n))');
  await c.end();
  pooler = await eventually('the pooler ready', async () => {
    const p = await env.json<{ status?: { readyInstances?: number; localEndpoint?: { host: string; port: number } } }>(['get', 'pooler', POOLER]);
    return p.status?.readyInstances === 2 ? p.status.localEndpoint : undefined;
  }, 90_000, 250);
});

after(() => env.cleanup());

test('synchronous replication is in force', async () => {
  const c = new pg.Client({ connectionString: app.toString() });
  await c.connect();
  const r = await c.query<{ s: string }>('SELECT current_setting($1) AS s', ['synchronous_standby_names']);
  await c.end();
  assert.match(r.rows[0]?.s ?? '', /^ANY 1 /);
});

test('kill -9 of the primary under pooled load: the pooler reaches the new primary and no acknowledged write is lost', async () => {
  await underPooledLoad('kill -9 primary postmaster', async (p) => void process.kill(p.status.local.pid as number, 'SIGKILL'));
});

test('a switchover under pooled load loses nothing either', async () => {
  await underPooledLoad('switchover', async (p) => {
    const target = (await env.pods(CLUSTER)).find((x) => x.metadata.name !== p.metadata.name)?.metadata.name as string;
    await env.ok(['promote', CLUSTER, target]);
  });
});
