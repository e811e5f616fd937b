// Pure: how a postmaster is stopped when its instance goes away (a Pod deleted, an instance
// stopped, hibernation), as CloudNativePG's instance manager does: a smart shutdown (sessions may
// finish) for smartShutdownTimeout, then fast (sessions cut, a clean shutdown checkpoint) for the
// rest of stopDelay, then immediate, before the platform's own kill at stopDelay.

/** The Cluster's timings an instance manager acts on, in seconds (spec.*; CloudNativePG's defaults). */
export interface InstanceTimings {
  smartShutdownTimeout: number;
  stopDelay: number;
  switchoverDelay: number;
  /** spec.postgresql.promotionTimeout; unset: pg_promote's wait as before. */
  promotionTimeout?: number;
}

export const DEFAULT_TIMINGS: InstanceTimings = { smartShutdownTimeout: 180, stopDelay: 1800, switchoverDelay: 3600 };

/** SIGTERM, SIGINT and SIGQUIT are PostgreSQL's smart, fast and immediate shutdowns. */
export interface ShutdownStep {
  signal: 'SIGTERM' | 'SIGINT' | 'SIGQUIT';
  /** How long this step may take before the next; the last step has none. */
  timeoutMs?: number;
}

export function shutdownSteps(t: Pick<InstanceTimings, 'smartShutdownTimeout' | 'stopDelay'>): ShutdownStep[] {
  // As CloudNativePG: a smart timeout that leaves no time for the fast shutdown is ignored.
  const smart = t.smartShutdownTimeout > 0 && t.smartShutdownTimeout < t.stopDelay ? t.smartShutdownTimeout : 0;
  return [
    ...(smart > 0 ? [{ signal: 'SIGTERM' as const, timeoutMs: smart * 1000 }] : []),
    { signal: 'SIGINT', timeoutMs: Math.max(1, t.stopDelay - smart) * 1000 },
    { signal: 'SIGQUIT' },
  ];
}

/** The old primary of a switchover: fast within switchoverDelay, then immediate. */
export function switchoverShutdownSteps(t: Pick<InstanceTimings, 'switchoverDelay'>): ShutdownStep[] {
  return [{ signal: 'SIGINT', timeoutMs: Math.max(1, t.switchoverDelay) * 1000 }, { signal: 'SIGQUIT' }];
}
