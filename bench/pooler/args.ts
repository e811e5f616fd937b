// Command-line flags of bench/pooler, checked before anything starts.

export const WORKLOADS = ['select', 'tpcb'] as const;
export type Workload = (typeof WORKLOADS)[number];
export const PATHS = ['direct', 'rw', 'proxy', 'pooler', 'pgbouncer'] as const;
export type Path = (typeof PATHS)[number];
export const PARTS = ['throughput', 'failover'] as const;
export type Part = (typeof PARTS)[number];

export interface Options {
  parts: Part[];
  workloads: Workload[];
  clients: number[];
  paths: Path[];
  /** Seconds of each pgbench run. */
  seconds: number;
  /** Runs of each cell; the median is reported. */
  repeat: number;
  scale: number;
  /** Failover trials per pool mode. */
  trials: number;
}

export const USAGE = `usage: node dist/bench/pooler.js [--parts throughput,failover] [--workloads select,tpcb] [--clients 50,1000]
    [--paths direct,rw,proxy,pooler,pgbouncer] [--seconds 20] [--repeat 3] [--scale 10] [--trials 3]`;

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').filter(Boolean);
  const bad = items.filter((x) => !(allowed as readonly string[]).includes(x));
  if (items.length === 0 || bad.length > 0) throw new Error(`${flag}: unknown ${bad.join(', ') || '(none given)'}; allowed: ${allowed.join(', ')}`);
  return items as T[];
}

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { parts: [...PARTS], workloads: [...WORKLOADS], clients: [50, 1000], paths: ['direct', 'rw', 'pooler', 'pgbouncer'], seconds: 20, repeat: 3, scale: 10, trials: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    switch (flag) {
      case '--parts':
        o.parts = list(flag, value, PARTS);
        break;
      case '--workloads':
        o.workloads = list(flag, value, WORKLOADS);
        break;
      case '--paths':
        o.paths = list(flag, value, PATHS);
        break;
      case '--clients':
        o.clients = value.split(',').map((c) => whole(flag, c, 1));
        break;
      case '--seconds':
        o.seconds = whole(flag, value, 1);
        break;
      case '--repeat':
        o.repeat = whole(flag, value, 1);
        break;
      case '--scale':
        o.scale = whole(flag, value, 1);
        break;
      case '--trials':
        o.trials = whole(flag, value, 1);
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return o;
}
