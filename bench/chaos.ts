// bench/chaos: does the failover stay right on a busy machine? Three parts, one table each:
//   false-failovers  a 3-instance synchronous cluster under pgbench while stress-ng oversubscribes
//                    the CPUs 4x for --minutes, locally and on the Kubernetes platform: target 0;
//   kills            --kills consecutive primary kills (postmaster, whole instance, delete pod, in
//                    rotation) under a writer: 0 acknowledged writes lost, 0 moments with two
//                    writable primaries (sampled every 50 ms), unavailability p50 ≤ 1 s, p99 ≤ 3 s;
//   stalls           the primary's postmaster and children frozen (SIGSTOP) for each of --stalls
//                    seconds, then resumed: no failover for 2 s, one writable primary, nothing lost.
// The local control plane's /healthz is sampled during every local part.
//
//   node dist/bench/chaos.js [--minutes 30] [--kills 100] [--stalls 2,5,15,30] [--parts false-failovers,kills,stalls] [--platforms local,kubernetes]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CnpgSystem } from './failover/cnpg.js';
import { percentile, unavailabilityMs, type TrialResult } from './failover/measure.js';
import { cleanupAll, cleanupOnSignals, poll } from './failover/procs.js';
import { printTable } from './failover/report.js';
import { runTrial, type Uncounted } from './failover/trial.js';
import { lostRows, resetTable, Writer } from './failover/writer.js';
import { falseFailoversOnKubernetes } from './chaos/kube.js';
import { pgbenchInit, pgbenchUntil, stressFor } from './chaos/load.js';
import { HealthSampler, type HealthReport } from '../test/support/health-sampler.js';
import { TwoPrimariesWatch, processTree, signalAll } from '../test/support/ha.js';
import { runBench } from './run.js';
import { setTimeout as sleep } from 'node:timers/promises';

const PARTS = ['false-failovers', 'kills', 'stalls'] as const;
const PLATFORMS = ['local', 'kubernetes'] as const;
const KILL_KINDS = ['kill-postmaster', 'kill-instance', 'delete-pod'] as const;

interface Options {
  minutes: number;
  kills: number;
  stalls: number[];
  parts: Array<(typeof PARTS)[number]>;
  platforms: Array<(typeof PLATFORMS)[number]>;
}

function listOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((x) => x.trim());
  const bad = items.filter((x) => !allowed.includes(x as T));
  if (bad.length) throw new Error(`${flag}: unknown ${bad.join(', ')} (allowed: ${allowed.join(', ')})`);
  return items as T[];
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${value ?? 'nothing'}`);
  return n;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 30, kills: 100, stalls: [2, 5, 15, 30], parts: [...PARTS], platforms: [...PLATFORMS] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[++i];
    if (flag === '--minutes') o.minutes = positive(flag, value);
    else if (flag === '--kills') o.kills = Math.round(positive(flag, value));
    else if (flag === '--stalls') o.stalls = (value ?? '').split(',').map((x) => positive(flag, x));
    else if (flag === '--parts') o.parts = listOf(flag, value ?? '', PARTS);
    else if (flag === '--platforms') o.platforms = listOf(flag, value ?? '', PLATFORMS);
    else throw new Error(`unknown flag ${flag} (usage: node dist/bench/chaos.js [--minutes N] [--kills N] [--stalls 2,5,15,30] [--parts ${PARTS.join(',')}] [--platforms ${PLATFORMS.join(',')}])`);
  }
  return o;
}

const log = (line: string) => console.log(line);
const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
const healthzCells = (h: HealthReport) => [`${h.p50.toFixed(1)} / ${h.p99.toFixed(1)} / ${h.max.toFixed(1)} ms`, String(h.failures.length)];

/** One cluster for all local parts; the two-primaries watch and the /healthz sampler run throughout. */
async function withLocalCluster<T>(fn: (sys: CnpgSystem, watch: TwoPrimariesWatch) => Promise<T>): Promise<{ value: T; healthz: HealthReport; twoPrimaries: number }> {
  const sys = new CnpgSystem(true);
  try {
    await sys.start();
    let ports = await sys.instancePorts();
    const watch = new TwoPrimariesWatch(() => ports, sys.conninfo());
    const refresh = setInterval(() => void sys.instancePorts().then((p) => (ports = p), () => undefined), 5000);
    const daemon = JSON.parse(readFileSync(join(sys.home, 'operator.json'), 'utf8')) as { port: number; token: string };
    const healthz = new HealthSampler(daemon.port, daemon.token, 200);
    let value: T;
    try {
      value = await fn(sys, watch);
    } finally {
      clearInterval(refresh);
      await watch.stop();
    }
    return { value, healthz: await healthz.stop(), twoPrimaries: watch.moments };
  } finally {
    await sys.stop();
  }
}

async function falseFailoversLocally(minutes: number): Promise<string[]> {
  const r = await withLocalCluster(async (sys) => {
    await pgbenchInit(sys.conninfo(), 10);
    const before = await sys.clusterStatus();
    const stopStress = stressFor(minutes * 60 + 5);
    const load = await pgbenchUntil(async () => sys.conninfo(), performance.now() + minutes * 60_000);
    await stopStress();
    const after = await sys.clusterStatus();
    return { failovers: (after.timelineID ?? 0) - (before.timelineID ?? 0), primaries: `${before.currentPrimary} → ${after.currentPrimary}`, load };
  });
  return ['local', String(minutes), String(r.value.failovers), r.value.primaries, String(r.value.load.transactions), String(r.value.load.restarts), ...healthzCells(r.healthz)];
}

async function kills(n: number): Promise<string[][]> {
  const r = await withLocalCluster(async (sys) => {
    const byKind = new Map<string, TrialResult[]>();
    let uncounted: Uncounted | undefined;
    for (let i = 0; i < n; i++) {
      const kind = KILL_KINDS[i % KILL_KINDS.length] as string;
      const t = await runTrial(sys, kind, { timeoutMs: 120_000, log: () => undefined }, uncounted).catch((e: unknown) => ({ result: { failure: (e as Error).message } as TrialResult, uncounted: undefined }));
      uncounted = t.uncounted;
      byKind.set(kind, [...(byKind.get(kind) ?? []), t.result]);
      log(`kill ${i + 1}/${n} ${kind}: ${t.result.failure ?? `unavailable ${s(t.result.unavailabilityMs)} s, lost ${t.result.lost ?? '?'}`}`);
    }
    return byKind;
  });
  const rows = [...r.value].map(([kind, results]) => row(kind, results));
  rows.push(row('all', [...r.value.values()].flat()));
  return rows.map((cells) => [...cells, String(r.twoPrimaries), ...healthzCells(r.healthz)]);

  function row(kind: string, results: TrialResult[]): string[] {
    const gaps = results.flatMap((x) => (x.unavailabilityMs === undefined ? [] : [x.unavailabilityMs]));
    const lost = results.reduce((sum, x) => sum + (x.lost ?? 0), 0);
    const failed = results.filter((x) => x.failure).length;
    return [kind, `${results.length - failed}/${results.length}`, gaps.length ? s(percentile(gaps, 0.5)) : '-', gaps.length ? s(percentile(gaps, 0.99)) : '-', gaps.length ? s(Math.max(...gaps)) : '-', String(lost)];
  }
}

async function stalls(durations: number[]): Promise<string[][]> {
  const r = await withLocalCluster(async (sys, watch) => {
    const rows: string[][] = [];
    for (const seconds of durations) {
      await poll(async () => ((await sys.health()).healthy ? true : undefined), 120_000, 500);
      const conninfo = sys.conninfo();
      await resetTable(conninfo);
      const writer = new Writer(conninfo, { maxRows: 5_000_000, maxMs: (seconds + 300) * 1000 });
      writer.start();
      await sleep(1000);
      const before = await sys.clusterStatus();
      const victim = await sys.primary();
      const frozen = processTree(victim.pid as number);
      const moments = watch.moments;
      const t0 = performance.now();
      signalAll(frozen, 'SIGSTOP');
      await sleep(seconds * 1000);
      signalAll(frozen, 'SIGCONT');
      const healthy = await poll(async () => ((await sys.health()).healthy ? performance.now() : undefined), 120_000, 200);
      await sleep(1000);
      await writer.stop();
      const after = await sys.clusterStatus();
      const failedOver = after.currentPrimary !== before.currentPrimary;
      const gap = unavailabilityMs(writer.ackedAt, t0);
      const lost = await lostRows(conninfo, writer.acked).catch(() => undefined);
      rows.push([`${seconds} s`, failedOver ? `yes (${before.currentPrimary} → ${after.currentPrimary})` : 'no', String((after.timelineID ?? 0) - (before.timelineID ?? 0)), s(gap), healthy ? s(healthy - t0) : 'not healthy in 120 s', String(watch.moments - moments), String(lost ?? '?')]);
      log(`stall ${seconds} s: ${rows.at(-1)?.join(' | ')}`);
    }
    return rows;
  });
  return r.value.map((cells) => [...cells, ...healthzCells(r.healthz)]);
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  try {
    if (o.parts.includes('false-failovers')) {
      const rows: string[][] = [];
      for (const platform of o.platforms) {
        log(`false failovers, ${platform}: ${o.minutes} min of pgbench with stress-ng --cpu 8`);
        rows.push(platform === 'local' ? await falseFailoversLocally(o.minutes) : await falseFailoversOnKubernetes(o.minutes));
      }
      printTable(['platform', 'minutes', 'failovers', 'primary', 'pgbench tx', 'pgbench restarts', '/healthz p50 / p99 / max', 'unanswered'], rows);
    }
    if (o.parts.includes('kills')) {
      log(`${o.kills} primary kills in rotation (${KILL_KINDS.join(', ')}), synchronous replication, one writer`);
      printTable(['kind', 'ok/trials', 'unavail p50 s', 'p99 s', 'max s', 'lost acked', 'two-primary moments', '/healthz p50 / p99 / max', 'unanswered'], await kills(o.kills));
    }
    if (o.parts.includes('stalls')) {
      log(`primary postmaster and children frozen for ${o.stalls.join(', ')} s`);
      printTable(['frozen', 'failover', 'promotions', 'write gap s', 'healthy after s', 'two-primary moments', 'lost acked', '/healthz p50 / p99 / max', 'unanswered'], await stalls(o.stalls));
    }
  } finally {
    await cleanupAll();
  }
}

runBench(parseArgs, main);
