// Command-line flags of bench/metrics, checked before anything starts.

export interface Options {
  /** Scrapes timed one after another. */
  scrapes: number;
  /** Tables created in the app database, and databases created beside it. */
  tables: number;
  databases: number;
  /** metricsQueriesTTL in seconds: 0 (the default here) makes every scrape run every query. */
  ttl: number;
  /** pgbench: seconds per run, runs per setting (alternating), clients, scale. */
  seconds: number;
  rounds: number;
  clients: number;
  scale: number;
  /** Archive WAL to an S3 server (MinIO) as the RSS target assumes: the S3 client lives in the manager. */
  s3: boolean;
}

export const USAGE = `usage: node dist/bench/metrics.js [--scrapes 200] [--tables 1000] [--databases 10] [--ttl 0]
    [--seconds 20] [--rounds 2] [--clients 4] [--scale 10] [--s3 on|off]`;

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { scrapes: 200, tables: 1000, databases: 10, ttl: 0, seconds: 20, rounds: 2, clients: 4, scale: 10, s3: true };
  const mins: Record<Exclude<keyof Options, 's3'>, number> = { scrapes: 1, tables: 0, databases: 0, ttl: 0, seconds: 1, rounds: 1, clients: 1, scale: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    const key = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !(key in mins || key === 's3')) throw new Error(`unknown flag ${flag}\n${USAGE}`);
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (key === 's3') {
      if (value !== 'on' && value !== 'off') throw new Error(`--s3: on or off, got "${value}"`);
      o.s3 = value === 'on';
    } else o[key as keyof typeof mins] = whole(flag, value, mins[key as keyof typeof mins]);
  }
  return o;
}
