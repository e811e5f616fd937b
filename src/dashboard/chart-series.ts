// The charts' points: counters read at each sampling become rates, and the last minutes of
// points are kept for a page that connects later.
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

/** WAL rates only compare readings of the same primary on the same timeline. */
export function sampleBetween(prev: Reading | undefined, cur: Reading): ChartSample {
  const sample: ChartSample = { t: cur.t, lagBytes: cur.lagBytes };
  const [a, b] = [prev?.primary, cur.primary];
  const dt = prev ? cur.t - prev.t : 0;
  if (a && b && dt > 0 && a.name === b.name && a.timeline === b.timeline) {
    const written = parseLsn(b.lsn) - parseLsn(a.lsn);
    if (written >= 0n) sample.walBytesPerSecond = Number(written) / dt;
  }
  return sample;
}

/** A counter that has not moved for this long has seen nothing happen, whatever its exporter caches. */
const HOLD_SECONDS = 120;

interface CounterState {
  value: number;
  /** When this value was first read. */
  since: number;
  /** The value was read as it changed, so `since` is close to when the exporter collected it. */
  fresh: boolean;
  rate?: number;
}

/**
 * Per-second rates of each instance's transaction counter. An exporter answers from a cache
 * (CloudNativePG's metricsQueriesTTL, 30 s by default), so the same value comes back for a while:
 * a rate is taken between two changes of the value, over the time between the readings that saw
 * them, and held until the next. The first value read may be as old as the cache, so the first
 * change only starts the count. A counter that went down (the instance restarted) starts again.
 */
export class CounterRates {
  private readonly counters = new Map<string, CounterState>();

  /** The sum over instances; undefined until one of them has a rate. */
  update(t: number, values: Record<string, number>): number | undefined {
    let total: number | undefined;
    for (const [name, value] of Object.entries(values)) {
      const c = this.counters.get(name);
      if (!c || value < c.value) {
        this.counters.set(name, { value, since: t, fresh: false });
        continue;
      }
      if (value > c.value && t > c.since) this.counters.set(name, { value, since: t, fresh: true, rate: c.fresh ? (value - c.value) / (t - c.since) : undefined });
      else if (t - c.since > HOLD_SECONDS) c.rate = 0;
      const rate = this.counters.get(name)!.rate;
      if (rate !== undefined) total = (total ?? 0) + rate;
    }
    return total;
  }
}

/** Readings further apart than this (nobody watched meanwhile) give no rate: counting starts again. */
const GAP_SECONDS = 10;

/** The last `keepSeconds` of samples of one Cluster. */
export class SampleHistory {
  private readonly samples: ChartSample[] = [];
  private transactions = new CounterRates();
  private last?: Reading;

  constructor(private readonly keepSeconds: number) {}

  add(reading: Reading): ChartSample {
    if (this.last && reading.t - this.last.t > GAP_SECONDS) this.transactions = new CounterRates();
    const sample = sampleBetween(this.last, reading);
    const tps = this.transactions.update(reading.t, reading.transactions);
    if (tps !== undefined) sample.tps = tps;
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
