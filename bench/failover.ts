// bench/failover: write unavailability, acknowledged rows lost and time back to a whole cluster
// for each failure kind, N trials each, for cnpg-ts and for a 3-node Patroni + etcd reference
// under the same writer and the same failures; then the cnpg/Patroni ratio. With --platform
// kubernetes: cnpg-ts on a real node (Helm chart, kubelet on containerd) against the local platform
// in the same run, with the time to install the operator and to bring the Cluster up.
//
//   node dist/bench/failover.js [--trials 10] [--kinds a,b] [--system cnpg|patroni|both | --platform kubernetes] [--sync on|off] [--timeout 120]
import { kindsFor, parseArgs, type Options } from './failover/args.js';
import { CNPG_KINDS, CnpgSystem } from './failover/cnpg.js';
import { ensurePatroniInstalled } from './failover/install.js';
import { KUBE_KINDS, KubeSystem } from './failover/kube.js';
import { summarize, type TrialResult } from './failover/measure.js';
import { PATRONI_KINDS, PatroniSystem } from './failover/patroni.js';
import { cleanupAll, cleanupOnSignals } from './failover/procs.js';
import { failureLines, printTable, ratioRows, RESULT_HEADERS, resultRows, type Row } from './failover/report.js';
import { runTrial, settle, type SetupFigure, type System, type Uncounted, type Victim } from './failover/trial.js';
import { runBench } from './run.js';

const log = (line: string) => console.log(line);
const sec = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

async function runSystem<V extends Victim>(sys: System<V>, kinds: string[], trials: number, timeoutMs: number): Promise<Row[]> {
  const perKind: Array<[string, TrialResult[]]> = [];
  let uncounted: Uncounted | undefined;
  for (const kind of kinds) {
    const results: TrialResult[] = [];
    perKind.push([kind, results]);
    for (let t = 1; t <= trials; t++) {
      log(`${sys.name} ${kind} ${t}/${trials}`);
      const r = await runTrial(sys, kind, { timeoutMs, log }, uncounted).catch((e: unknown) => ({
        result: { failure: `error: ${(e as Error).message.split('\n')[0]}` } as TrialResult,
        uncounted: undefined,
      }));
      uncounted = r.uncounted;
      results.push(r.result);
      const x = r.result;
      log(x.failure ? `  FAILED: ${x.failure}${x.lost === undefined ? '' : `, lost ${x.lost}`}` : `  unavailable ${sec(x.unavailabilityMs)}, healthy after ${sec(x.healthyMs)}, lost ${x.lost ?? '?'}`);
    }
  }
  await settle(sys, uncounted, { timeoutMs, log });
  // Summarized only now: a failed trial's lost rows may have been counted by a later one.
  return perKind.map(([kind, results]) => ({ system: sys.name, kind, summary: summarize(results) }));
}

/** Each system: its kinds, what to say before starting it, and how to build it. */
const SYSTEMS = {
  cnpg: {
    kinds: CNPG_KINDS,
    prepare: (sync: boolean) => log(`cnpg: starting a 3-instance cluster (synchronous replication ${sync ? 'on' : 'off'})`),
    make: (sync: boolean) => new CnpgSystem(sync),
  },
  kubernetes: {
    kinds: KUBE_KINDS,
    prepare: (sync: boolean) => log(`kubernetes: starting a real node, installing the operator with Helm, then a 3-instance cluster (synchronous replication ${sync ? 'on' : 'off'})`),
    make: (sync: boolean) => new KubeSystem(sync),
  },
  patroni: {
    kinds: PATRONI_KINDS,
    prepare: (sync: boolean) => {
      ensurePatroniInstalled(log);
      log(`patroni: starting etcd and 3 Patroni nodes (synchronous_mode ${sync}, ttl 30, loop_wait 10, retry_timeout 10; a killed agent is restarted after 100 ms, as by patroni.service)`);
    },
    make: (sync: boolean) => new PatroniSystem(sync),
  },
} as const;

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  const rows: Row[] = [];
  const setup: Array<{ system: string } & SetupFigure> = [];
  try {
    for (const name of o.systems) {
      const def = SYSTEMS[name];
      const kinds = kindsFor(def.kinds, o.kinds);
      if (kinds.length === 0) continue;
      def.prepare(o.synchronous);
      const sys = def.make(o.synchronous);
      try {
        await sys.start();
        rows.push(...(await runSystem(sys, kinds, o.trials, o.timeoutMs)));
      } finally {
        if ('setup' in sys) setup.push(...sys.setup.map((f) => ({ system: sys.name, ...f })));
        await sys.stop();
      }
    }
  } finally {
    await cleanupAll();
  }
  console.log(`\nfailover (seconds; ${o.trials} trials per kind; synchronous replication ${o.synchronous ? 'on' : 'off'}; unavailability = last acknowledged commit before the failure → first after)`);
  printTable(RESULT_HEADERS, resultRows(rows));
  const ratios = ratioRows(rows);
  if (ratios.length > 0) {
    console.log('\np50 write unavailability, cnpg / Patroni');
    printTable(['kind', 'cnpg p50', 'patroni p50', 'ratio'], ratios);
  }
  const kube = ratioRows(rows, 'kubernetes', 'cnpg');
  if (kube.length > 0) {
    console.log('\np50 write unavailability, real Kubernetes node / local platform');
    printTable(['kind', 'kubernetes p50', 'local p50', 'ratio'], kube);
  }
  if (setup.length > 0) {
    console.log('\nsetup (seconds)');
    printTable(['system', 'step', 'seconds'], setup.map((f) => [f.system, f.what, sec(f.ms).replace(' s', '')]));
  }
  const failures = failureLines(rows);
  if (failures.length > 0) console.log(`\n${failures.join('\n')}`);
}

runBench(parseArgs, main);
