// bench/pooler: pgbench select-only and TPC-B-like at 50 and 1000 clients, direct to the primary,
// through the X-rw endpoint, through a Pooler in transaction mode and through a PgBouncer
// configured by hand (the reference), then how long transactions stop after a failover through
// X-rw and through Poolers in session and transaction mode. Ratios against direct and the reference.
//
//   node dist/bench/pooler.js [--parts throughput,failover] [--workloads select,tpcb] [--clients 50,1000]
//       [--paths direct,rw,proxy,pooler,pgbouncer] [--seconds 20] [--repeat 3] [--scale 10] [--trials 3]
import { setTimeout as sleep } from 'node:timers/promises';
import type { Options, Path } from './pooler/args.js';
import { parseArgs } from './pooler/args.js';
import { initialize, pgbench } from './pooler/pgbench.js';
import { failoverTable, PATH_NAMES, throughputTable, verdicts, type Cell, type FailoverRow } from './pooler/report.js';
import { BenchSystem, MAX_CONNECTIONS, POOL_SIZE } from './pooler/system.js';
import { unavailabilityMs } from './failover/measure.js';
import { cleanupAll, cleanupOnSignals, poll, signal } from './failover/procs.js';
import { printTable } from './failover/report.js';
import { resetTable, Writer } from './failover/writer.js';
import { runBench } from './run.js';

const log = (line: string) => console.log(line);

/** The URI of each path, made once (a Pooler is applied only when its column is asked for). */
async function targets(sys: BenchSystem, paths: Path[]): Promise<Partial<Record<Path, string>>> {
  const out: Partial<Record<Path, string>> = { direct: await sys.directUri(), rw: sys.uri };
  if (paths.includes('pooler')) {
    log('applying Pooler bench-pooler-tx (transaction mode) with cnpg apply');
    out.pooler = await sys.pooler('bench-pooler-tx', 'transaction').catch((e: unknown) => {
      log(`  the Pooler column stays empty: ${(e as Error).message}`);
      return undefined;
    });
  }
  return out;
}

/** One pgbench run on one path; the proxy column is X-rw's port with the operator (and its kernel rules) stopped. */
async function runOnce(sys: BenchSystem, cell: Cell, uris: Partial<Record<Path, string>>, o: Options, direct: string): Promise<void> {
  const { workload, clients, path } = cell;
  if (path === 'proxy') await sys.cnpg(['operator', 'stop']);
  try {
    const uri = path === 'pgbouncer' ? await sys.startReference() : path === 'proxy' ? sys.uri : uris[path];
    if (!uri) {
      cell.outcomes.push({ failed: 'not available' });
      return;
    }
    const r = await pgbench(workload, clients, o.seconds, uri, direct);
    cell.outcomes.push(r.outcome);
    if (r.serverConnections !== undefined) cell.serverConnections = Math.max(cell.serverConnections ?? 0, r.serverConnections);
    const x = r.outcome;
    log(`  ${workload} ${clients} clients ${PATH_NAMES[path]}: ${'tps' in x ? `${Math.round(x.tps)} tps` : 'refused' in x ? `refused (${x.refused})` : `failed (${x.failed})`}, ≤ ${r.serverConnections ?? '?'} server connections`);
  } finally {
    if (path === 'pgbouncer') await sys.stopReference();
    if (path === 'proxy') await sys.cnpg(['get', 'cluster']); // any command starts the operator again
  }
}

async function throughput(sys: BenchSystem, o: Options): Promise<Cell[]> {
  const direct = await sys.directUri();
  log(`pgbench -i -s ${o.scale}`);
  await initialize(direct, o.scale);
  const uris = await targets(sys, o.paths);
  const cells: Cell[] = [];
  for (const workload of o.workloads) {
    for (const clients of o.clients) {
      const row = o.paths.map((path): Cell => ({ workload, clients, path, outcomes: [] }));
      cells.push(...row);
      // Round by round, every path once per round, so a slow spell of the machine hits them alike.
      for (let k = 1; k <= o.repeat; k++) {
        log(`${workload}, ${clients} clients, round ${k}/${o.repeat}`);
        for (const cell of row) {
          // A path that refused or failed these clients once does so again.
          if (cell.outcomes.some((x) => !('tps' in x))) continue;
          await runOnce(sys, cell, uris, o, direct);
        }
      }
    }
  }
  return cells;
}

/** One trial: a writer through `uri`, the primary's postmaster killed, the gap until it commits again. */
async function failoverTrial(sys: BenchSystem, uri: string): Promise<number> {
  if (!(await poll(async () => ((await sys.healthy()) ? true : undefined), 120_000, 500))) throw new Error('the cluster was not healthy within 120 s');
  await resetTable(await sys.directUri());
  const writer = new Writer(uri, { maxRows: Number.MAX_SAFE_INTEGER, maxMs: 180_000 });
  writer.start();
  try {
    await sleep(1000);
    const victim = await sys.livePrimary();
    const injectedAt = performance.now();
    if (!signal(victim.pid, 'SIGKILL')) throw new Error(`the postmaster of ${victim.name} (pid ${victim.pid}) was already gone`);
    // An orphaned backend may commit for a moment after its postmaster died: the gap is measured
    // only once another instance is primary and the writer has committed after that.
    const moved = await poll(async () => {
      const now = await sys.livePrimary().catch(() => undefined);
      return now && now.name !== victim.name ? true : undefined;
    }, 120_000, 200);
    if (!moved) throw new Error(`${victim.name} is still the primary 120 s after its postmaster was killed`);
    const movedAt = performance.now();
    const flowing = await poll(async () => (writer.ackedAt.some((t) => t > movedAt) ? true : undefined), 120_000, 100);
    if (!flowing) throw new Error('no transaction committed within 120 s of the new primary');
    await sleep(1000);
    const gap = unavailabilityMs(writer.ackedAt, injectedAt);
    if (gap === undefined) throw new Error('nothing committed after the kill');
    return gap;
  } finally {
    await writer.stop();
  }
}

async function failover(sys: BenchSystem, o: Options): Promise<FailoverRow[]> {
  const paths: Array<[string, () => Promise<string>]> = [['X-rw', async () => sys.uri]];
  if (o.paths.includes('pooler')) {
    paths.push(['Pooler session', () => sys.pooler('bench-pooler-session', 'session')], ['Pooler transaction', () => sys.pooler('bench-pooler-tx', 'transaction')]);
  }
  const rows: FailoverRow[] = [];
  for (const [name, uriOf] of paths) {
    const row: FailoverRow = { path: name, gapsMs: [], failures: [] };
    rows.push(row);
    const uri = await uriOf().catch((e: unknown) => {
      row.failures.push((e as Error).message);
      return undefined;
    });
    if (!uri) {
      log(`failover through ${name}: not available (${row.failures[0]})`);
      continue;
    }
    for (let t = 1; t <= o.trials; t++) {
      try {
        const gap = await failoverTrial(sys, uri);
        row.gapsMs.push(gap);
        log(`failover through ${name} ${t}/${o.trials}: transactions flowed again after ${(gap / 1000).toFixed(2)} s`);
      } catch (e) {
        row.failures.push((e as Error).message);
        log(`failover through ${name} ${t}/${o.trials}: FAILED ${(e as Error).message}`);
      }
    }
  }
  return rows;
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  const sys = new BenchSystem();
  let cells: Cell[] = [];
  let gaps: FailoverRow[] = [];
  try {
    log(`starting a 2-instance cluster (max_connections ${MAX_CONNECTIONS}) in ${sys.home}`);
    await sys.start();
    log(`X-rw is carried by: ${await sys.endpointPath()}`);
    if (o.parts.includes('throughput')) cells = await throughput(sys, o);
    if (o.parts.includes('failover')) gaps = await failover(sys, o);
  } finally {
    await cleanupAll();
  }
  if (cells.length > 0) {
    console.log(`\npgbench tps (median of ${o.repeat} runs of ${o.seconds} s; scale ${o.scale}; max_connections ${MAX_CONNECTIONS}; pools of ${POOL_SIZE}; "refused": the server turned clients away)`);
    const t = throughputTable(cells, o.paths);
    printTable(t.headers, t.rows);
    console.log('\ntargets');
    printTable(['target', 'measured', 'met?'], verdicts(cells).map((v) => [v.target, v.measured, v.met === undefined ? 'not measured' : v.met ? 'yes' : 'no']));
  }
  if (gaps.length > 0) {
    console.log(`\nfailover (kill -9 of the primary's postmaster; gap = last commit before → first commit after, one writer)`);
    const t = failoverTable(gaps);
    printTable(t.headers, t.rows);
    for (const r of gaps) for (const f of r.failures) console.log(`${r.path}: ${f}`);
  }
}

runBench(parseArgs, main);
