// The arithmetic of bench/metrics: percentiles, a process's CPU time and memory from /proc, and
// the verdicts against the targets.
import { readFileSync } from 'node:fs';

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

/** User plus system CPU milliseconds from the text of /proc/PID/stat (fields 14 and 15, in clock ticks). */
export function cpuMsFromStat(stat: string, ticksPerSecond = 100): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** VmRSS or VmHWM in MiB from the text of /proc/PID/status. */
export function memoryMiB(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const kb = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1];
  if (kb === undefined) throw new Error(`${field} not in /proc/PID/status`);
  return Number(kb) / 1024;
}

export const cpuMs = (pid: number): number => cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
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
