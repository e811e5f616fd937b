// Command-line flags of bench/failover, checked before anything starts.
import { CNPG_KINDS } from './cnpg.js';
import { KUBE_KINDS } from './kube.js';
import { PATRONI_KINDS } from './patroni.js';

export interface Options {
  trials: number;
  /** Run in this order. `kubernetes` is cnpg-ts on a real node, `cnpg` the local platform. */
  systems: Array<'cnpg' | 'kubernetes' | 'patroni'>;
  /** Undefined: every kind each system has. */
  kinds?: string[];
  synchronous: boolean;
  timeoutMs: number;
}

export const USAGE = `usage: node dist/bench/failover.js [--trials N] [--kinds a,b] [--system cnpg|patroni|both | --platform local|kubernetes] [--sync on|off] [--timeout SECONDS]
  kinds: cnpg ${CNPG_KINDS.join(', ')}; patroni ${PATRONI_KINDS.join(', ')}; kubernetes ${KUBE_KINDS.join(', ')}
  --platform kubernetes: cnpg-ts on a real node against the local platform in the same run (kinds default: ${KUBE_KINDS.join(', ')})`;

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { trials: 10, systems: ['cnpg', 'patroni'], synchronous: true, timeoutMs: 120_000 };
  let system: string | undefined;
  let platform: string | undefined;
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
        const known = new Set<string>([...CNPG_KINDS, ...PATRONI_KINDS, ...KUBE_KINDS]);
        const bad = o.kinds.filter((k) => !known.has(k));
        if (bad.length || o.kinds.length === 0) throw new Error(`--kinds: unknown ${bad.join(', ') || '(none given)'}\n${USAGE}`);
        break;
      }
      case '--system':
        system = value;
        if (value === 'both') o.systems = ['cnpg', 'patroni'];
        else if (value === 'cnpg' || value === 'patroni') o.systems = [value];
        else throw new Error(`--system: cnpg, patroni or both, got "${value}"`);
        break;
      case '--platform':
        if (value !== 'local' && value !== 'kubernetes') throw new Error(`--platform: local or kubernetes, got "${value}"`);
        platform = value;
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
  if (platform === 'kubernetes') {
    if (system !== undefined) throw new Error(`--platform kubernetes runs cnpg-ts on a real node and on the local platform; --system ${system} does not go with it\n${USAGE}`);
    o.systems = ['kubernetes', 'cnpg'];
    o.kinds ??= [...KUBE_KINDS];
    if (!o.kinds.some((k) => (KUBE_KINDS as readonly string[]).includes(k))) throw new Error(`--platform kubernetes: none of --kinds ${o.kinds.join(',')} runs on the real node (it runs ${KUBE_KINDS.join(', ')})`);
  }
  return o;
}

/** The kinds one system runs: all of its own, or those asked for that it has. */
export function kindsFor(all: readonly string[], asked: readonly string[] | undefined): string[] {
  return asked ? all.filter((k) => asked.includes(k)) : [...all];
}
