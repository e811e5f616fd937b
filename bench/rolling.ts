// bench/rolling: write unavailability during a minor upgrade of a 3-instance cluster (synchronous
// replication, primaryUpdateMethod switchover) under one writer: PostgreSQL 16.13 → 16.14, then back,
// one trial each way. Targets: at most one switchover per upgrade with its outage ≤ 1 s at p50, and
// no outage while the standbys roll; no acknowledged write lost.
//
//   node dist/bench/rolling.js [--trials 2] [--gap-ms 100] [--from 16.13] [--to 16.14]
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './failover/measure.js';
import { cleanupOnSignals, onCleanup, poll } from './failover/procs.js';
import { printTable } from './failover/report.js';
import { close, connectFirst, lostRows } from './failover/writer.js';
import { parseTargets } from './failover/conninfo.js';
import { BenchHome } from './local-home.js';
import { runBench } from './run.js';
import { rollFigures, type Ack, type RollFigures } from './rolling/windows.js';

const NAME = 'rolling';
const TABLE = 'bench_writes';

interface Options {
  trials: number;
  gapMs: number;
  from: string;
  to: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { trials: 2, gapMs: 100, from: '16.13', to: '16.14' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: a value is missing (flags: --trials N, --gap-ms MS, --from X.Y, --to X.Y)`);
    if (flag === '--trials' || flag === '--gap-ms') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: a positive integer is wanted, not "${value}"`);
      if (flag === '--trials') o.trials = n;
      else o.gapMs = n;
    } else if (flag === '--from' || flag === '--to') {
      if (!/^\d+\.\d+$/.test(value)) throw new Error(`${flag}: a PostgreSQL version like 16.13 is wanted, not "${value}"`);
      o[flag === '--from' ? 'from' : 'to'] = value;
    } else throw new Error(`unknown flag ${flag} (flags: --trials N, --gap-ms MS, --from X.Y, --to X.Y)`);
  }
  if (o.from.split('.')[0] !== o.to.split('.')[0]) throw new Error('--from and --to must be minors of one major');
  return o;
}

const manifest = (version: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${NAME}
spec:
  instances: 3
  imageName: ghcr.io/cloudnative-pg/postgresql:${version}
  primaryUpdateStrategy: unsupervised
  primaryUpdateMethod: switchover
  postgresql:
    synchronous:
      method: any
      number: 1
  bootstrap:
    initdb:
      database: app
      owner: app
`;

/** One commit at a time, recording when it was acknowledged and by which server; reconnects at once. */
class PortWriter {
  readonly acks: Ack[] = [];
  readonly acked: number[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(conninfo: string) {
    this.loop = this.run(conninfo);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(conninfo: string): Promise<void> {
    const targets = parseTargets(conninfo);
    let n = 0;
    while (this.running) {
      let c: pg.Client | undefined;
      try {
        c = await connectFirst(targets);
        while (this.running) {
          const id = ++n;
          const r = await c.query<{ port: number }>(`INSERT INTO ${TABLE}(n, at) VALUES ($1, now()) RETURNING inet_server_port() AS port`, [id]);
          this.acks.push({ at: performance.now(), port: r.rows[0]?.port ?? 0 });
          this.acked.push(id);
        }
      } catch {
        await sleep(20);
      } finally {
        if (c) await close(c);
      }
    }
  }
}

async function versions(home: BenchHome, uri: string): Promise<string[]> {
  const pods = (JSON.parse(await home.cnpg(['get', 'pods', '-l', `cnpg.io/cluster=${NAME}`, '-o', 'json'])) as { items: Array<{ status: { local: { port: number } } }> }).items;
  const out: string[] = [];
  for (const p of pods) {
    const u = new URL(uri);
    u.hostname = '127.0.0.1';
    u.port = String(p.status.local.port);
    const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      out.push((await c.query<{ v: string }>("SELECT split_part(current_setting('server_version'), ' ', 1) AS v")).rows[0]?.v ?? '?');
    } catch {
      out.push('down');
    } finally {
      await close(c);
    }
  }
  return out;
}

interface Trial extends RollFigures {
  from: string;
  to: string;
  lost: number;
  rollMs: number;
}

async function trial(home: BenchHome, uri: string, from: string, to: string, gapMs: number): Promise<Trial> {
  const c = await connectFirst(parseTargets(uri), 5000);
  await c.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (n bigint PRIMARY KEY, at timestamptz NOT NULL)`);
  await c.query(`TRUNCATE ${TABLE}`);
  await close(c);
  const writer = new PortWriter(uri);
  await sleep(2000);
  const started = performance.now();
  await home.cnpg(['apply', '-f', '-'], manifest(to), 300_000);
  const done = await poll(async () => {
    const status = (JSON.parse(await home.cnpg(['get', 'cluster', NAME, '-o', 'json'])) as { status?: { phase?: string; readyInstances?: number } }).status;
    if (status?.phase !== 'Cluster in healthy state' || status.readyInstances !== 3) return undefined;
    return (await versions(home, uri)).every((v) => v === to) ? true : undefined;
  }, 600_000, 500);
  const rollMs = performance.now() - started;
  await sleep(2000);
  await writer.stop();
  if (!done) throw new Error(`the cluster did not reach ${to} on every instance within 600 s`);
  return { from, to, rollMs, lost: await lostRows(uri, writer.acked), ...rollFigures(writer.acks, gapMs) };
}

const sec = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  const home = new BenchHome('cnpg-rolling-');
  const teardown = onCleanup(() => home.remove(NAME));
  try {
    console.log(`rolling: a 3-instance cluster on PostgreSQL ${o.from} (synchronous replication, switchover), one writer; gaps ≥ ${o.gapMs} ms count as outages`);
    await home.cnpg(['apply', '-f', '-'], manifest(o.from), 300_000);
    await home.cnpg(['wait', '--for=condition=Ready', `cluster/${NAME}`, '--timeout=300s'], undefined, 320_000);
    const uri = Buffer.from((await home.cnpg(['get', 'secret', `${NAME}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
    const trials: Trial[] = [];
    for (let t = 0; t < o.trials; t++) {
      const [from, to] = t % 2 === 0 ? [o.from, o.to] : [o.to, o.from];
      console.log(`trial ${t + 1}/${o.trials}: ${from} → ${to}`);
      const r = await trial(home, uri, from, to, o.gapMs);
      console.log(`  switches ${r.switches} (${r.switchMs.map(sec).join(', ') || '-'}), other outages ${r.otherMs.map(sec).join(', ') || 'none'}, lost ${r.lost}, rolled in ${sec(r.rollMs)}`);
      trials.push(r);
    }
    console.log('');
    printTable(
      ['trial', 'upgrade', 'switchovers', 'switchover outage', 'outages, primary unchanged', 'total outage', 'lost acked', 'roll time'],
      trials.map((r, i) => [String(i + 1), `${r.from} → ${r.to}`, String(r.switches), r.switchMs.map(sec).join(', ') || '-', r.otherMs.length ? r.otherMs.map(sec).join(', ') : '0', sec(r.totalMs), String(r.lost), sec(r.rollMs)]),
    );
    const switchMs = trials.flatMap((r) => r.switchMs);
    console.log('');
    printTable(
      ['figure', 'measured', 'target'],
      [
        ['switchovers per upgrade (max)', String(Math.max(...trials.map((r) => r.switches))), '≤ 1'],
        ['switchover outage p50', switchMs.length ? sec(percentile(switchMs, 0.5)) : '-', '≤ 1.00 s'],
        ['outages with the primary unchanged', String(trials.reduce((n, r) => n + r.otherMs.length, 0)), '0'],
        ['acknowledged writes lost', String(trials.reduce((n, r) => n + r.lost, 0)), '0'],
      ],
    );
  } finally {
    await teardown();
  }
}

runBench(parseArgs, main);
