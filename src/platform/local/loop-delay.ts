// How long the daemon's event loop keeps callbacks waiting: what every request and every
// reconcile waits on top of its own work. Summarised per window and logged when it is too long.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Seconds this summary covers. */
  windowS: number;
}

const WINDOW_MS = 60_000;
const RESOLUTION_MS = 10;
/** What /healthz may take at p99 under load; a window above it is worth a log line. */
export const LOOP_DELAY_WARN_MS = 100;

export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private windowStart = performance.now();

  constructor(onSlowWindow: (delay: LoopDelay) => void) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      const delay = this.current();
      if (delay.p99Ms > LOOP_DELAY_WARN_MS) onSlowWindow(delay);
      this.histogram.reset();
      this.windowStart = performance.now();
    }, WINDOW_MS);
    this.timer.unref();
  }

  /** Since the current window began (at most a minute). */
  current(): LoopDelay {
    // The histogram measures from one sampling timer to the next, so each value includes the resolution.
    const ms = (ns: number) => Math.max(0, Math.round(ns / 1e5 - RESOLUTION_MS * 10) / 10);
    const h = this.histogram;
    const seen = h.count > 0;
    return {
      p50Ms: seen ? ms(h.percentile(50)) : 0,
      p99Ms: seen ? ms(h.percentile(99)) : 0,
      maxMs: seen ? ms(h.max) : 0,
      windowS: Math.round((performance.now() - this.windowStart) / 1000),
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
