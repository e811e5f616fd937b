// bench/operator's flags, percentiles and table rows: pure functions, tested by bench/operator.test.ts.
export { table } from '../backup/report.js';

export interface Options {
  /** How many Clusters exist while each round of samples is taken, ascending. */
  sizes: number[];
  /** Spec changes timed per size (each a scale-up and the scale-down that undoes it). */
  samples: number;
}

const USAGE = 'usage: node bench/operator.js [--sizes 1,100,1000] [--samples 60]';

export function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [1, 100, 1000], samples: 60 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    i++;
    if (flag === '--sizes') {
      const sizes = value.split(',').map((s) => Number(s.trim()));
      if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes: "${value}" is not a comma-separated list of positive integers\n${USAGE}`);
      o.sizes = [...new Set(sizes)].sort((a, b) => a - b);
    } else if (flag === '--samples') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--samples: "${value}" is not a positive integer\n${USAGE}`);
      o.samples = n;
    } else {
      throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return o;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export const TARGET_P99_MS = 200;
export const TARGET_RSS_MB = 300;

export interface SizeResult {
  clusters: number;
  /** Milliseconds from the PATCH of spec.instances 1→2 to the watch delivering Pod X-2. */
  scaleUpMs: number[];
  /** Milliseconds from the PATCH of spec.instances 2→1 to the watch delivering Pod X-2's deletion. */
  scaleDownMs: number[];
  /** Changes whose child object never showed within the bound. */
  timeouts: number;
  /** Operator VmRSS after the samples, MB. */
  rssMb: number;
  /** Operator VmHWM (peak RSS since it started), MB. */
  peakRssMb: number;
  /** Operator reconciles per second while the clusters were idle, from its /metrics. */
  idleReconcilesPerSec: number;
}

export const HEADERS = ['clusters', 'samples', 'up p50 ms', 'up p99 ms', 'up max ms', 'down p50 ms', 'down p99 ms', 'timeouts', 'idle reconciles/s', 'RSS MB', 'peak RSS MB', 'target met?'];

const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(0));

export function row(r: SizeResult): string[] {
  const upP99 = percentile(r.scaleUpMs, 99);
  const downP99 = percentile(r.scaleDownMs, 99);
  const met = r.timeouts === 0 && upP99 <= TARGET_P99_MS && downP99 <= TARGET_P99_MS && r.rssMb <= TARGET_RSS_MB;
  return [
    String(r.clusters),
    String(r.scaleUpMs.length),
    ms(percentile(r.scaleUpMs, 50)),
    ms(upP99),
    ms(Math.max(...r.scaleUpMs)),
    ms(percentile(r.scaleDownMs, 50)),
    ms(downP99),
    String(r.timeouts),
    r.idleReconcilesPerSec.toFixed(1),
    r.rssMb.toFixed(0),
    r.peakRssMb.toFixed(0),
    met ? 'yes' : 'no',
  ];
}
