// Command-line flags of bench/backup, checked before anything starts.

/** Compressions both sides can use: barman-cloud 3.4 has gzip, bzip2 and snappy (python3-snappy is broken here). */
export const COMPRESSIONS = ['gzip', 'bzip2'] as const;
export type BenchCompression = (typeof COMPRESSIONS)[number];

export interface Options {
  scale: number;
  compression: BenchCompression;
  /** WAL segments generated for the archiving throughput figure. */
  segments: number;
  /** pgbench -T for the keep-up run, seconds. */
  pgbenchSeconds: number;
  /** spec.backup.barmanObjectStore.data.jobs, and barman-cloud-backup --jobs. */
  jobs: number;
  /** spec.backup.barmanObjectStore.wal.maxParallel. */
  walParallel: number;
  /** synchronous_commit for the keep-up pgbench; off (the default) writes WAL several times faster. */
  syncCommit: boolean;
}

export const USAGE = `usage: node dist/bench/backup.js [--quick] [--scale N] [--compression ${COMPRESSIONS.join('|')}] [--segments N] [--pgbench-seconds S] [--jobs N] [--wal-parallel N]
  --quick: scale 5, 16 segments, 15 s of pgbench (a smoke run)`;

const positive = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: a whole number ≥ 1, got "${value}"`);
  return n;
};

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { scale: 70, compression: 'gzip', segments: 64, pgbenchSeconds: 60, jobs: 2, walParallel: 4, syncCommit: false };
  const set: Partial<Options> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--quick') {
      quick = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    switch (flag) {
      case '--scale':
        set.scale = positive(flag, value);
        break;
      case '--segments':
        set.segments = positive(flag, value);
        break;
      case '--pgbench-seconds':
        set.pgbenchSeconds = positive(flag, value);
        break;
      case '--jobs':
        set.jobs = positive(flag, value);
        break;
      case '--wal-parallel':
        set.walParallel = positive(flag, value);
        break;
      case '--sync-commit':
        if (value !== 'on' && value !== 'off') throw new Error(`--sync-commit: on or off, got "${value}"`);
        set.syncCommit = value === 'on';
        break;
      case '--compression':
        if (!(COMPRESSIONS as readonly string[]).includes(value)) throw new Error(`--compression: one of ${COMPRESSIONS.join(', ')}, got "${value}"`);
        set.compression = value as BenchCompression;
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  // --quick only changes what was not given explicitly.
  return { ...o, ...(quick ? { scale: 5, segments: 16, pgbenchSeconds: 15 } : {}), ...set };
}
