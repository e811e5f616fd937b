// A writer that inserts one row at a time, each on a new connection (as a client reconnecting
// through an endpoint would), and keeps when each insert was acknowledged: the longest gap between
// two acknowledgements is the write downtime.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Writer {
  /** Stops writing and resolves to the longest gap between acknowledged inserts, in ms, and their count. */
  stop(): Promise<{ downtimeMs: number; acknowledged: number }>;
}

const ATTEMPT_EVERY_MS = 20;

export async function startWriter(connectionString: () => Promise<string>, table = 'bench_writes'): Promise<Writer> {
  const first = await connectionString();
  const setup = new pg.Client({ connectionString: first });
  await setup.connect();
  await setup.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())`);
  await setup.end();
  const acks: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const c = new pg.Client({ connectionString: await connectionString().catch(() => first), connectionTimeoutMillis: 1000, statement_timeout: 2000 });
      try {
        await c.connect();
        await c.query(`INSERT INTO ${table} DEFAULT VALUES`);
        acks.push(Date.now());
      } catch {
        /* down: counted by the gap */
      } finally {
        await c.end().catch(() => undefined);
      }
      await sleep(ATTEMPT_EVERY_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      let downtimeMs = 0;
      for (let i = 1; i < acks.length; i++) downtimeMs = Math.max(downtimeMs, (acks[i] ?? 0) - (acks[i - 1] ?? 0));
      return { downtimeMs, acknowledged: acks.length };
    },
  };
}

/** About `mb` megabytes of rows in one table (~250 bytes a row on disk). */
export function fillSql(mb: number): string {
  const rows = Math.round((mb * 1024 * 1024) / 250);
  return `CREATE TABLE bench_fill AS SELECT i AS id, repeat(md5(i::text), 6) AS payload FROM generate_series(1, ${rows}) i`;
}
