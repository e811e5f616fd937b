// The arithmetic of bench/metrics: percentiles, a process's CPU time and memory from /proc, and
// the verdicts against the targets.
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The fields of /proc/PID/stat from the third (state) on: the command name may hold spaces and parentheses. */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/**
 * User plus system CPU milliseconds from the text of /proc/PID/stat (fields 14 and 15, in clock
 * ticks); with `reaped`, also what its exited and waited-for children used (fields 16 and 17).
 */
export function cpuMsFromStat(stat: string, reaped = false, ticksPerSecond = 100): number {
  const fields = statFields(stat);
  const ticks = [11, 12, ...(reaped ? [13, 14] : [])].map((i) => Number(fields[i]));
  if (ticks.some((t) => !Number.isFinite(t))) throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return (ticks.reduce((a, b) => a + b, 0) * 1000) / ticksPerSecond;
}

export const parentPid = (stat: string): number => Number(statFields(stat)[1]);

/** VmRSS or VmHWM in MiB from the text of /proc/PID/status. */
export function memoryMiB(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const kb = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1];
  if (kb === undefined) throw new Error(`${field} not in /proc/PID/status`);
  return Number(kb) / 1024;
}

export const cpuMs = (pid: number): number => cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/**
 * CPU milliseconds of a postmaster and its backends so far: the postmaster's own, what its live
 * children used, and what its exited children used (the kernel adds those to the parent when it
 * reaps them), so backends that come and go between two readings are still counted.
 */
export function postgresCpuMs(postmaster: number): number {
  let sum = cpuMsFromStat(readFileSync(`/proc/${postmaster}/stat`, 'utf8'), true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (parentPid(stat) === postmaster) sum += cpuMsFromStat(stat, true);
    } catch {
      /* exited while reading: its time is the postmaster's now */
    }
  }
  return sum;
}
export const rssMiB = (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number => memoryMiB(readFileSync(`/proc/${pid}/status`, 'utf8'), field);

export interface Figures {
  scrapeP50Ms: number;
  scrapeP99Ms: number;
  managerCpuMsPerScrape: number;
  managerRssMiB: number;
  tpsWithout: number;
  tpsWith: number;
}

export const TARGETS = { scrapeP99Ms: 100, rssMiB: 80, tpsDrop: 0.05 };

export function verdicts(f: Figures): Array<{ target: string; measured: string; met: boolean }> {
  const drop = 1 - f.tpsWith / f.tpsWithout;
  return [
    { target: `scrape p99 ≤ ${TARGETS.scrapeP99Ms} ms`, measured: `${f.scrapeP99Ms.toFixed(1)} ms`, met: f.scrapeP99Ms <= TARGETS.scrapeP99Ms },
    { target: `instance manager RSS ≤ ${TARGETS.rssMiB} MiB`, measured: `${f.managerRssMiB.toFixed(1)} MiB`, met: f.managerRssMiB <= TARGETS.rssMiB },
    { target: `pgbench tps with a 1 s scrape loop within ${TARGETS.tpsDrop * 100}% of without`, measured: `${Math.abs(drop * 100).toFixed(1)}% ${drop >= 0 ? 'lower' : 'higher'}`, met: drop <= TARGETS.tpsDrop },
  ];
}
