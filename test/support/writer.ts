// A client that keeps committing numbered rows through an endpoint and remembers which commits
// were acknowledged, reconnecting at once after any error, as an application behind -rw would.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

export class Writer {
  readonly acked: number[] = [];
  readonly ackTimes: number[] = [];
  /** Sessions opened: one means nothing cut the writer's connection (no restart, failover or endpoint change). */
  connections = 0;
  private next = 1;
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly uri: string) {}

  static async prepare(uri: string): Promise<void> {
    const c = new pg.Client({ connectionString: uri });
    await c.connect();
    await c.query('CREATE TABLE IF NOT EXISTS ha_writes (n bigint PRIMARY KEY, at timestamptz DEFAULT now())');
    await c.end();
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const deadline = Date.now() + 10 * 60_000;
    while (this.running && Date.now() < deadline) {
      const c = new pg.Client({ connectionString: this.uri, connectionTimeoutMillis: 1000, query_timeout: 5000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        this.connections++;
        while (this.running) {
          const n = this.next++;
          await c.query('INSERT INTO ha_writes (n) VALUES ($1)', [n]);
          this.acked.push(n);
          this.ackTimes.push(performance.now());
        }
      } catch {
        await sleep(10);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Longest gap between consecutive acknowledgements after `since` (a performance.now() time). */
  longestGapSince(since: number): number {
    let gap = 0;
    for (let i = 1; i < this.ackTimes.length; i++) {
      if ((this.ackTimes[i] as number) < since) continue;
      gap = Math.max(gap, (this.ackTimes[i] as number) - (this.ackTimes[i - 1] as number));
    }
    return gap;
  }
}
