// Watching a cluster the way its users would judge a failover: never two primaries taking
// connections at once, and every acknowledged write still there afterwards.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Writer } from './writer.js';

export const passwordOf = (uri: string) => decodeURIComponent(new URL(uri).password);

/** Asks every instance directly, 20 times a second, whether it is a primary that takes connections. */
export class TwoPrimariesWatch {
  moments = 0;
  private watching = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly ports: () => number[],
    private readonly uri: string,
  ) {
    this.loop = this.run();
  }

  private async isWritablePrimary(port: number): Promise<boolean> {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'app', database: 'app', password: passwordOf(this.uri), connectionTimeoutMillis: 300, query_timeout: 300 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const r = await c.query('SELECT NOT pg_is_in_recovery() AS primary');
      return r.rows[0].primary === true;
    } catch {
      return false;
    } finally {
      // A frozen server never answers the goodbye: do not wait for it.
      void c.end().catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    while (this.watching) {
      const answers = await Promise.all(this.ports().map((p) => this.isWritablePrimary(p)));
      if (answers.filter(Boolean).length > 1) this.moments++;
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.watching = false;
    await this.loop;
  }
}

/** Every row the writer saw acknowledged is in the table. */
export async function allAcknowledgedPresent(uri: string, writer: Writer): Promise<void> {
  // Taken before the query: rows acknowledged after its snapshot are not expected in it.
  const acked = [...writer.acked];
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    const r = await c.query('SELECT n FROM ha_writes');
    const present = new Set(r.rows.map((row: { n: string }) => Number(row.n)));
    const lost = acked.filter((n) => !present.has(n));
    assert.deepEqual(lost, [], `${lost.length} acknowledged rows lost`);
  } finally {
    await c.end();
  }
}

/** Four times as many CPU hogs as the machine's two cores, for at most `seconds`. */
export function oversubscribe(seconds: number): ChildProcess {
  const child = spawn('stress-ng', ['--cpu', '8', '--timeout', `${Math.ceil(seconds)}s`, '--quiet'], { stdio: 'ignore' });
  child.on('error', (e) => console.error(`stress-ng: ${e.message} (the Debian package stress-ng)`));
  return child;
}

/** A process and everything it started (a postmaster and its backends and workers). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i] as number) ?? []));
  return out;
}

export function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}
