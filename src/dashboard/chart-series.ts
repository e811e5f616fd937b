// The charts' points: counters read at each sampling become rates against the previous reading,
// and the last minutes of points are kept for a page that connects later.
import { parseLsn } from '../postgres/lsn.js';
import type { InstanceMetrics } from './metrics-text.js';
import type { ChartSample, ClusterView } from './view.js';

/** What one sampling read: the counters the rates come from, and the lag as it is now. */
export interface Reading {
  /** Unix time, seconds. */
  t: number;
  /** Instance name → its transaction counter, where its exporter gives one. */
  transactions: Record<string, number>;
  /** The primary's name, timeline and written LSN: WAL rates only compare readings of the same primary. */
  primary?: { name: string; timeline?: number; lsn: string };
  lagBytes: Record<string, number>;
}

export function readingOf(view: ClusterView, metrics: Record<string, InstanceMetrics>): Reading {
  const transactions: Record<string, number> = {};
  for (const [name, m] of Object.entries(metrics)) if (m.transactions !== undefined) transactions[name] = m.transactions;
  const lagBytes: Record<string, number> = {};
  for (const i of view.instances) if (i.role === 'replica' && i.lagBytes !== undefined) lagBytes[i.name] = i.lagBytes;
  const p = view.instances.find((i) => i.role === 'primary' && i.lsn !== undefined);
  return { t: Date.parse(view.generatedAt) / 1000, transactions, primary: p ? { name: p.name, timeline: p.timeline, lsn: p.lsn! } : undefined, lagBytes };
}

/**
 * A rate needs two readings of the same counter: an instance that restarted (its counter went
 * down) or is new counts from its next reading; so does WAL after a change of primary.
 */
export function sampleBetween(prev: Reading | undefined, cur: Reading): ChartSample {
  const sample: ChartSample = { t: cur.t, lagBytes: cur.lagBytes };
  const dt = prev ? cur.t - prev.t : 0;
  if (!prev || dt <= 0) return sample;
  let transactions = 0;
  let counted = false;
  for (const [name, now] of Object.entries(cur.transactions)) {
    const before = prev.transactions[name];
    if (before === undefined || now < before) continue;
    transactions += now - before;
    counted = true;
  }
  if (counted) sample.tps = transactions / dt;
  const [a, b] = [prev.primary, cur.primary];
  if (a && b && a.name === b.name && a.timeline === b.timeline) {
    const written = parseLsn(b.lsn) - parseLsn(a.lsn);
    if (written >= 0n) sample.walBytesPerSecond = Number(written) / dt;
  }
  return sample;
}

/** The last `keepSeconds` of samples of one Cluster. */
export class SampleHistory {
  private readonly samples: ChartSample[] = [];
  private last?: Reading;

  constructor(private readonly keepSeconds: number) {}

  add(reading: Reading): ChartSample {
    const sample = sampleBetween(this.last, reading);
    this.last = reading;
    this.samples.push(sample);
    const oldest = reading.t - this.keepSeconds;
    while (this.samples.length > 0 && this.samples[0]!.t < oldest) this.samples.shift();
    return sample;
  }

  all(): ChartSample[] {
    return [...this.samples];
  }
}
