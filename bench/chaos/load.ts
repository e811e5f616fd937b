// The load a chaos run holds a cluster under: CPU hogs four times the cores (stress-ng), pgbench
// writing through the cluster's way in.
import { onCleanup, run } from '../failover/procs.js';
import { oversubscribe } from '../../test/support/ha.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU hogs for at most `seconds`, stopped with the bench whatever happens. */
export function stressFor(seconds: number): () => Promise<void> {
  const child = oversubscribe(seconds);
  return onCleanup(async () => void child.kill('SIGKILL'));
}

/** The password goes to pgbench in its environment, never in its arguments. */
function withoutPassword(uri: string): { conninfo: string; env: NodeJS.ProcessEnv } {
  const url = new URL(uri);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { conninfo: url.toString(), env: { ...process.env, PGPASSWORD: password } };
}

export interface PgbenchResult {
  transactions: number;
  /** Times pgbench stopped early (a lost connection) and was started again. */
  restarts: number;
}

/**
 * pgbench against `target()` until `untilMs` (performance.now()); a run that ends early is started
 * again against the target as it is then, the way a client reconnects.
 */
export async function pgbenchUntil(target: () => Promise<string>, untilMs: number, clients = 4): Promise<PgbenchResult> {
  const result: PgbenchResult = { transactions: 0, restarts: 0 };
  for (;;) {
    const seconds = Math.floor((untilMs - performance.now()) / 1000);
    if (seconds < 2) return result;
    const { conninfo, env } = withoutPassword(await target());
    const r = await run('pgbench', ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), conninfo], { timeoutMs: (seconds + 60) * 1000, env });
    result.transactions += Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    if (untilMs - performance.now() >= 2000) {
      result.restarts++;
      await sleep(500);
    }
  }
}

export async function pgbenchInit(uri: string, scale: number): Promise<void> {
  const { conninfo, env } = withoutPassword(uri);
  const r = await run('pgbench', ['-i', '-q', '-s', String(scale), conninfo], { timeoutMs: 600_000, env });
  if (r.code !== 0) throw new Error(`pgbench -i: ${r.stderr.trim()}`);
}
