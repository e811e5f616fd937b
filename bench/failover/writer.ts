// The application under test, the same for both systems: one numbered row per transaction,
// remembering which commits were acknowledged and when (monotonic clock), reconnecting at once
// after any error. Short timeouts, so the writer notices an outage as soon as a client could.
import pg from 'pg';
import { parseTargets, type Targets } from './conninfo.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const TABLE = 'bench_writes';

export interface WriterLimits {
  /** Stop after this many commits even if nobody calls stop(). */
  maxRows: number;
  /** Stop after this long (ms) even if nobody calls stop(). */
  maxMs: number;
}

const CONNECT_TIMEOUT_MS = 250;
const RETRY_MS = 20;
// A commit that takes this long is stuck (a primary waiting for a standby that has gone); a
// client with a statement timeout gives up and reconnects, and so does the writer.
const QUERY_TIMEOUT_MS = 1000;

/**
 * end() waits for the server to close the socket, which a backend stuck waiting for a standby
 * never does: give it a moment, then drop the socket.
 */
export async function close(c: pg.Client): Promise<void> {
  await Promise.race([c.end().catch(() => undefined), sleep(200)]);
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** The first server of the list that accepts a connection (and takes writes, if asked). */
export async function connectFirst(targets: Targets, connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<pg.Client> {
  let last: unknown = new Error('no server in the connection string');
  for (const server of targets.servers) {
    const c = new pg.Client({ ...server, connectionTimeoutMillis: connectTimeoutMs, query_timeout: QUERY_TIMEOUT_MS });
    c.on('error', () => undefined);
    try {
      await c.connect();
      if (targets.readWrite) {
        // What libpq checks for target_session_attrs=read-write.
        const r = await c.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
        if (r.rows[0]?.transaction_read_only !== 'off') throw new Error('read-only session');
      }
      return c;
    } catch (e) {
      last = e;
      await close(c);
    }
  }
  throw last;
}

/** Creates the table if needed and empties it, so each trial counts only its own rows. */
export async function resetTable(conninfo: string): Promise<void> {
  const c = await connectFirst(parseTargets(conninfo), 5000);
  try {
    await c.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (n bigint PRIMARY KEY, at timestamptz NOT NULL)`);
    await c.query(`TRUNCATE ${TABLE}`);
  } finally {
    await close(c);
  }
}

/** Acknowledged numbers missing from the table on the server that takes writes now. */
export async function lostRows(conninfo: string, acked: readonly number[]): Promise<number> {
  const c = await connectFirst(parseTargets(conninfo), 5000);
  try {
    const r = await c.query<{ n: string }>(`SELECT n FROM ${TABLE}`);
    const present = new Set(r.rows.map((row) => Number(row.n)));
    return acked.filter((n) => !present.has(n)).length;
  } finally {
    await close(c);
  }
}

export class Writer {
  readonly acked: number[] = [];
  /** performance.now() of each acknowledgement, parallel to `acked`. */
  readonly ackedAt: number[] = [];
  errors = 0;
  private next = 1;
  private running = false;
  private loop?: Promise<void>;
  private readonly targets: Targets;

  constructor(conninfo: string, private readonly limits: WriterLimits) {
    this.targets = parseTargets(conninfo);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const deadline = performance.now() + this.limits.maxMs;
    const more = () => this.running && this.acked.length < this.limits.maxRows && performance.now() < deadline;
    while (more()) {
      let c: pg.Client | undefined;
      try {
        c = await connectFirst(this.targets);
        while (more()) {
          const n = this.next++;
          await c.query(`INSERT INTO ${TABLE}(n, at) VALUES ($1, now())`, [n]);
          this.acked.push(n);
          this.ackedAt.push(performance.now());
        }
      } catch {
        this.errors++;
        await sleep(RETRY_MS);
      } finally {
        if (c) await close(c);
      }
    }
    this.running = false;
  }
}
