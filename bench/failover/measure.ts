// Pure arithmetic on what a trial recorded: the write outage, percentiles, one table row per kind.

/**
 * Write unavailability (ms): from the last acknowledgement before the failure was injected to the
 * first one after it. Some failures stop writes only later (a killed agent, a switchover that
 * waits for a checkpoint), so it is the longest gap between consecutive acknowledgements from the
 * last one before `injectedAt` to the end of the trial; undefined when nothing was acknowledged
 * after the injection.
 */
export function unavailabilityMs(ackedAt: readonly number[], injectedAt: number): number | undefined {
  const first = ackedAt.findIndex((t) => t >= injectedAt);
  if (first < 0) return undefined;
  // With no acknowledgement before the failure, the outage is counted from the injection.
  let gap = first === 0 ? (ackedAt[0] as number) - injectedAt : 0;
  for (let i = Math.max(first, 1); i < ackedAt.length; i++) gap = Math.max(gap, (ackedAt[i] as number) - (ackedAt[i - 1] as number));
  return gap;
}

/** Nearest-rank percentile (p in 0..1) of a non-empty list. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export interface TrialResult {
  /** Undefined when the trial failed (see `failure`). */
  unavailabilityMs?: number;
  healthyMs?: number;
  /** Acknowledged rows missing afterwards; undefined when they could not be counted. */
  lost?: number;
  failure?: string;
}

export interface KindSummary {
  trials: number;
  ok: number;
  unavailability?: { p50: number; p95: number; max: number };
  lost: number;
  /** Trials whose lost rows could not be counted. */
  uncounted: number;
  healthy?: { p50: number; max: number };
  failures: string[];
}

export function summarize(results: readonly TrialResult[]): KindSummary {
  const ok = results.filter((r) => r.failure === undefined);
  const gaps = ok.map((r) => r.unavailabilityMs as number);
  const healthy = ok.map((r) => r.healthyMs as number);
  return {
    trials: results.length,
    ok: ok.length,
    unavailability: gaps.length ? { p50: percentile(gaps, 0.5), p95: percentile(gaps, 0.95), max: Math.max(...gaps) } : undefined,
    lost: results.reduce((sum, r) => sum + (r.lost ?? 0), 0),
    uncounted: results.filter((r) => r.lost === undefined).length,
    healthy: healthy.length ? { p50: percentile(healthy, 0.5), max: Math.max(...healthy) } : undefined,
    failures: results.flatMap((r) => (r.failure === undefined ? [] : [r.failure])),
  };
}
