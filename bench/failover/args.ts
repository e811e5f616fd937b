// Command-line flags of bench/failover, checked before anything starts.
import { CNPG_KINDS } from './cnpg.js';
import { PATRONI_KINDS } from './patroni.js';

export interface Options {
  trials: number;
  systems: Array<'cnpg' | 'patroni'>;
  /** Undefined: every kind each system has. */
  kinds?: string[];
  synchronous: boolean;
  timeoutMs: number;
}

export const USAGE = `usage: node dist/bench/failover.js [--trials N] [--kinds a,b] [--system cnpg|patroni|both] [--sync on|off] [--timeout SECONDS]
  kinds: cnpg ${CNPG_KINDS.join(', ')}; patroni ${PATRONI_KINDS.join(', ')}`;

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { trials: 10, systems: ['cnpg', 'patroni'], synchronous: true, timeoutMs: 120_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    switch (flag) {
      case '--trials':
        o.trials = Number(value);
        if (!Number.isInteger(o.trials) || o.trials < 1) throw new Error(`--trials: a whole number ≥ 1, got "${value}"`);
        break;
      case '--kinds': {
        o.kinds = value.split(',').filter(Boolean);
        const known = new Set<string>([...CNPG_KINDS, ...PATRONI_KINDS]);
        const bad = o.kinds.filter((k) => !known.has(k));
        if (bad.length || o.kinds.length === 0) throw new Error(`--kinds: unknown ${bad.join(', ') || '(none given)'}\n${USAGE}`);
        break;
      }
      case '--system':
        if (value === 'both') o.systems = ['cnpg', 'patroni'];
        else if (value === 'cnpg' || value === 'patroni') o.systems = [value];
        else throw new Error(`--system: cnpg, patroni or both, got "${value}"`);
        break;
      case '--sync':
        if (value !== 'on' && value !== 'off') throw new Error(`--sync: on or off, got "${value}"`);
        o.synchronous = value === 'on';
        break;
      case '--timeout':
        o.timeoutMs = Number(value) * 1000;
        if (!(o.timeoutMs >= 1000)) throw new Error(`--timeout: seconds ≥ 1, got "${value}"`);
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return o;
}

/** The kinds one system runs: all of its own, or those asked for that it has. */
export function kindsFor(all: readonly string[], asked: readonly string[] | undefined): string[] {
  return asked ? all.filter((k) => asked.includes(k)) : [...all];
}
