// pgbench runs as the bench needs them: select-only or TPC-B-like, N clients on 2 threads, simple
// protocol (PgBouncer's transaction mode takes no prepared statements), with the primary's client
// backends counted while it runs so a pooled run shows how few server connections it used.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../failover/procs.js';
import type { Workload } from './args.js';
import { parsePgbench, type Outcome } from './report.js';

export async function initialize(uri: string, scale: number): Promise<void> {
  const r = await run('pgbench', ['-i', '-q', '-s', String(scale), uri], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`pgbench -i: ${r.stderr.trim()}`);
}

export function pgbenchArgs(workload: Workload, clients: number, seconds: number, uri: string): string[] {
  return ['-n', ...(workload === 'select' ? ['-S'] : []), '-c', String(clients), '-j', '2', '-T', String(seconds), uri];
}

/** The most client backends (other than its own) in the app database while `during` runs. */
async function countingServerConnections<T>(directUri: string, during: Promise<T>): Promise<{ result: T; most?: number }> {
  const c = new pg.Client({ connectionString: directUri, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  let most: number | undefined;
  let done = false;
  try {
    await c.connect();
  } catch {
    return { result: await during };
  }
  const sampling = (async () => {
    while (!done) {
      const r = await c
        .query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()")
        .catch(() => undefined);
      if (r?.rows[0]) most = Math.max(most ?? 0, r.rows[0].n);
      await sleep(250);
    }
  })();
  try {
    return { result: await during, most };
  } finally {
    done = true;
    await sampling;
    await c.end().catch(() => undefined);
  }
}

export async function pgbench(workload: Workload, clients: number, seconds: number, uri: string, directUri: string): Promise<{ outcome: Outcome; serverConnections?: number }> {
  const running = run('pgbench', pgbenchArgs(workload, clients, seconds, uri), { timeoutMs: (seconds + 120) * 1000 });
  const { result, most } = await countingServerConnections(directUri, running);
  return { outcome: parsePgbench(result.code, `${result.stdout}\n${result.stderr}`), serverConnections: most };
}
