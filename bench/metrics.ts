// bench/metrics: what the exporter costs. Scrape latency p50/p99 of an instance manager's /metrics
// with the default queries over a database of many tables and many databases, the manager's CPU
// (and its exporter backends' CPU) per scrape, the manager's RSS, and pgbench TPS with and
// without a 1 s scrape loop in the same run (alternating rounds, so a slow spell hits both alike).
//
//   node dist/bench/metrics.js [--scrapes 200] [--tables 1000] [--databases 10] [--ttl 0]
//       [--seconds 20] [--rounds 2] [--clients 4] [--scale 10] [--s3 on|off]
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type Options } from './metrics/args.js';
import { cpuMs, median, percentile, postgresCpuMs, rssMiB, verdicts, type Figures } from './metrics/measure.js';
import { MetricsBenchSystem } from './metrics/system.js';
import { startS3Server } from '../test/support/s3.js';
import { cleanupAll, cleanupOnSignals, onCleanup, run } from './failover/procs.js';
import { printTable } from './failover/report.js';
import { parsePgbench } from './pooler/report.js';
import { runBench } from './run.js';

const log = (line: string) => console.log(line);

async function scrapes(sys: MetricsBenchSystem, n: number): Promise<{ latencies: number[]; managerCpu: number; postgresCpu: number; bytes: number }> {
  for (let i = 0; i < 5; i++) await sys.scrape();
  const managerBefore = cpuMs(sys.managerPid);
  const postgresBefore = postgresCpuMs(sys.postmasterPid);
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const s = await sys.scrape();
    if (!s.ok) throw new Error(`scrape ${i + 1} answered an error`);
    latencies.push(s.ms);
    bytes = s.bytes;
  }
  return { latencies, managerCpu: (cpuMs(sys.managerPid) - managerBefore) / n, postgresCpu: (postgresCpuMs(sys.postmasterPid) - postgresBefore) / n, bytes };
}

async function pgbenchTps(uri: string, o: Options): Promise<number> {
  const r = await run('pgbench', ['-n', '-c', String(o.clients), '-j', '2', '-T', String(o.seconds), uri], { timeoutMs: (o.seconds + 120) * 1000 });
  const outcome = parsePgbench(r.code, `${r.stdout}\n${r.stderr}`);
  if (!('tps' in outcome)) throw new Error(`pgbench: ${JSON.stringify(outcome)}`);
  return outcome.tps;
}

/** pgbench while /metrics is scraped once a second, as a Prometheus with scrape_interval 1s would. */
async function withScrapeLoop(sys: MetricsBenchSystem, o: Options): Promise<{ tps: number; scrapes: number }> {
  let stop = false;
  let count = 0;
  const loop = (async () => {
    while (!stop) {
      const started = performance.now();
      await sys.scrape().catch(() => undefined);
      count++;
      await sleep(Math.max(0, 1000 - (performance.now() - started)));
    }
  })();
  try {
    return { tps: await pgbenchTps(sys.superuserUri, o), scrapes: count };
  } finally {
    stop = true;
    await loop;
  }
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  const sys = new MetricsBenchSystem();
  try {
    let s3: Parameters<MetricsBenchSystem['start']>[1];
    if (o.s3) {
      log('starting MinIO');
      const server = await startS3Server();
      onCleanup(() => server.stop());
      await server.createBucket('bench');
      s3 = { endpoint: server.endpoint, bucket: 'bench', accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    }
    log(`starting a 1-instance cluster (metricsQueriesTTL ${o.ttl}s${s3 ? ', archiving WAL to S3' : ''}) in ${sys.home}`);
    await sys.start(o.ttl, s3);
    log(`creating ${o.tables} tables in app and ${o.databases} databases`);
    await sys.populate(o.tables, o.databases);
    const rssBefore = rssMiB(sys.managerPid);
    log(`${o.scrapes} scrapes of ${sys.metricsUrl}, one after another`);
    const s = await scrapes(sys, o.scrapes);
    const rss = rssMiB(sys.managerPid);
    log(`pgbench -i -s ${o.scale}`);
    const init = await run('pgbench', ['-i', '-q', '-s', String(o.scale), sys.superuserUri], { timeoutMs: 600_000 });
    if (init.code !== 0) throw new Error(`pgbench -i: ${init.stderr.trim()}`);
    const without: number[] = [];
    const withLoop: number[] = [];
    const settle = async (): Promise<void> => {
      const waiting = await sys.archiveDrained();
      if (waiting > 0) log(`  ${waiting} WAL segments still wait to be archived; the next run starts anyway`);
    };
    for (let r = 1; r <= o.rounds; r++) {
      // Which setting goes first alternates, so neither always follows the other's load.
      for (const scraping of r % 2 === 1 ? [false, true] : [true, false]) {
        await settle();
        if (scraping) {
          const w = await withScrapeLoop(sys, o);
          withLoop.push(w.tps);
          log(`round ${r}/${o.rounds}: ${Math.round(w.tps)} tps with ${w.scrapes} scrapes in ${o.seconds} s`);
        } else {
          without.push(await pgbenchTps(sys.superuserUri, o));
          log(`round ${r}/${o.rounds}: ${Math.round(without.at(-1) as number)} tps without scraping`);
        }
      }
    }
    const hwm = rssMiB(sys.managerPid, 'VmHWM');
    const f: Figures = {
      scrapeP50Ms: percentile(s.latencies, 50),
      scrapeP99Ms: percentile(s.latencies, 99),
      managerCpuMsPerScrape: s.managerCpu,
      managerRssMiB: rss,
      tpsWithout: median(without),
      tpsWith: median(withLoop),
    };
    console.log(`\nexporter cost (${o.tables} tables, ${o.databases + 2} databases incl. app and postgres, metricsQueriesTTL ${o.ttl}s, ${o.s3 ? 'WAL archived to S3' : 'no object store'}, ${o.scrapes} scrapes, body ${(s.bytes / 1024).toFixed(0)} KiB)`);
    printTable(['figure', 'value'], [
      ['scrape p50', `${f.scrapeP50Ms.toFixed(1)} ms`],
      ['scrape p99', `${f.scrapeP99Ms.toFixed(1)} ms`],
      ['scrape max', `${Math.max(...s.latencies).toFixed(1)} ms`],
      ['instance manager CPU per scrape', `${s.managerCpu.toFixed(1)} ms`],
      ['PostgreSQL CPU per scrape (postmaster, backends, background processes)', `${s.postgresCpu.toFixed(1)} ms`],
      ['instance manager RSS before the first scrape', `${rssBefore.toFixed(1)} MiB`],
      ['… after the scrapes (peak over the whole run)', `${rss.toFixed(1)} MiB (${hwm.toFixed(1)} MiB)`],
      [`pgbench tps, ${o.clients} clients, median of ${o.rounds} × ${o.seconds} s: without scraping`, Math.round(f.tpsWithout).toString()],
      ['… with a 1 s scrape loop', `${Math.round(f.tpsWith)} (${((f.tpsWith / f.tpsWithout) * 100).toFixed(1)}%)`],
    ]);
    console.log('\ntargets');
    printTable(['target', 'measured', 'met?'], verdicts(f).map((v) => [v.target, v.measured, v.met ? 'yes' : 'no']));
  } finally {
    await cleanupAll();
  }
}

runBench(parseArgs, main);
