// The platform calls a reconcile is waiting on. Every call that reaches a process, a file or the API
// server has a timeout of its own, yet a reconcile that never finishes leaves its Cluster's status
// frozen with no error to show: the operator's watchdog names the calls that have not settled.
import type { Platform } from './platform.js';

export interface PendingCall {
  what: string;
  seconds: number;
}

export class InFlightCalls {
  private next = 0;
  private readonly calls = new Map<number, { what: string; since: number }>();

  track<T>(what: string, pending: Promise<T>): Promise<T> {
    const id = this.next++;
    this.calls.set(id, { what, since: performance.now() });
    const settled = () => void this.calls.delete(id);
    pending.then(settled, settled);
    return pending;
  }

  /** Calls pending for longer than `ms`, oldest first. */
  olderThan(ms: number): PendingCall[] {
    const now = performance.now();
    return [...this.calls.values()].filter((c) => now - c.since > ms).map((c) => ({ what: c.what, seconds: Math.round((now - c.since) / 1000) }));
  }
}

const isThenable = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** `target` with every method that returns a promise tracked under `label.method`. */
function traced<T extends object>(target: T, label: string, calls: InFlightCalls): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        return isThenable(result) ? calls.track(`${label}.${String(prop)}`, result) : result;
      };
    },
  });
}

/** The platform as the controllers see it: the same runtimes, each call of theirs tracked. */
export function tracedPlatform(platform: Platform, calls: InFlightCalls): Platform {
  const wrapped: Platform = { ...platform };
  for (const key of Object.keys(platform) as Array<keyof Platform>) {
    const runtime = platform[key];
    if (runtime && typeof runtime === 'object') (wrapped as unknown as Record<string, object>)[key] = traced(runtime, key, calls);
  }
  return wrapped;
}
