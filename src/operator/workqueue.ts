// Controller-runtime's rate-limiting work queue in miniature. A key is reconciled by one worker at
// a time; requests while it runs collapse into one more run; requeues are timers. Two limits keep
// one key from starving the others (or the process): a reconcile that throws is retried after an
// exponentially growing delay, and each key runs from a token bucket, so a key that keeps waking
// itself (a status write that triggers the next pass) runs a few times a second at most instead of
// in a tight loop. A run asked for in advance (a reconciler's requeueAfterMs, an error's backoff)
// takes no token, as controller-runtime's RequeueAfter bypasses its rate limiter: that delay is
// the reconciler's own pace, and a failover stepping every 20 ms must not fall to the bucket's. With maxConcurrent, keys beyond it wait their turn in arrival order, and a key
// that wants to run again goes behind them.
import { setTimeout as sleep } from 'node:timers/promises';

export type Reconciler = (key: string) => Promise<{ requeueAfterMs?: number }>;

export interface WorkQueueOptions {
  maxConcurrent?: number;
  /** First retry after an error; doubles with each further error of the key, up to errorMaxMs. */
  errorBaseMs?: number;
  errorMaxMs?: number;
  /** Runs a key may make back to back, and how many per second it gets back. */
  burst?: number;
  runsPerSecond?: number;
}

const DEFAULTS: Required<WorkQueueOptions> = { maxConcurrent: Infinity, errorBaseMs: 1000, errorMaxMs: 60_000, burst: 10, runsPerSecond: 2 };
/** Buckets of keys gone quiet are forgotten once there are this many. */
const BUCKETS_KEPT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class WorkQueue {
  private readonly o: Required<WorkQueueOptions>;
  /** Keys being reconciled, with when each run started. */
  private readonly running = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** Insertion-ordered: the keys waiting for a free worker. */
  private readonly waiting = new Set<string>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  /** Keys whose next run waits for a token: asking again does not bring it forward. */
  private readonly throttled = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private stopped = false;

  constructor(
    private readonly reconcile: Reconciler,
    private readonly onError: (key: string, e: unknown) => void,
    options: WorkQueueOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** Keys waiting for a worker (not those running, nor those whose timer has not fired). */
  get depth(): number {
    return this.waiting.size;
  }

  add(key: string, delayMs = 0): void {
    this.enqueue(key, delayMs, false);
  }

  /** `scheduled`: the run was asked for in advance and takes no token. */
  private enqueue(key: string, delayMs: number, scheduled: boolean): void {
    if (this.stopped) return;
    if (delayMs > 0) return this.after(key, delayMs);
    if (this.throttled.has(key)) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.running.size >= this.o.maxConcurrent) {
      this.waiting.add(key);
      return;
    }
    this.start(key, scheduled);
  }

  /** The earliest of several requeues wins; a throttled key keeps its turn. */
  private after(key: string, delayMs: number, throttle = false): void {
    if (this.throttled.has(key) && !throttle) return;
    const due = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.due <= due && !throttle) return;
    if (existing) clearTimeout(existing.timer);
    if (throttle) this.throttled.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.throttled.delete(key);
      this.enqueue(key, 0, !throttle);
    }, delayMs);
    this.timers.set(key, { timer, due });
  }

  /** Milliseconds until the key may run; 0 when it may now (and a token is taken). */
  private take(key: string): number {
    const now = performance.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.o.burst, at: now };
    bucket.tokens = Math.min(this.o.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.o.runsPerSecond);
    bucket.at = now;
    if (this.buckets.size >= BUCKETS_KEPT) this.forgetQuietBuckets(now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.o.runsPerSecond) * 1000);
  }

  private forgetQuietBuckets(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.o.runsPerSecond >= this.o.burst) this.buckets.delete(key);
  }

  private start(key: string, scheduled = false): void {
    const wait = scheduled ? 0 : this.take(key);
    if (wait > 0) return this.after(key, wait, true);
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(key);
    void this.run(key);
  }

  private async run(key: string): Promise<void> {
    this.running.set(key, performance.now());
    let requeue: number | undefined;
    let failed = false;
    try {
      requeue = (await this.reconcile(key)).requeueAfterMs;
      this.failures.delete(key);
    } catch (e) {
      failed = true;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.onError(key, e);
      requeue = Math.min(this.o.errorBaseMs * 2 ** (n - 1), this.o.errorMaxMs);
    }
    this.running.delete(key);
    const again = this.dirty.delete(key);
    for (const next of this.waiting) {
      if (this.running.size >= this.o.maxConcurrent) break;
      this.waiting.delete(next);
      this.start(next);
    }
    if (this.stopped) return;
    // A failed key waits out its backoff even when asked for meanwhile: that run sees the change.
    if (again && !failed) this.add(key);
    else if (requeue !== undefined) this.add(key, requeue);
  }

  /** Runs that started more than `ms` ago, with their age in seconds. */
  runningLongerThan(ms: number): Array<{ key: string; seconds: number }> {
    const now = performance.now();
    return [...this.running].filter(([, since]) => now - since > ms).map(([key, since]) => ({ key, seconds: Math.round((now - since) / 1000) }));
  }

  /** The key runs, waits for a worker, or has a run due: an existing object always should. */
  isScheduled(key: string): boolean {
    return this.running.has(key) || this.waiting.has(key) || this.timers.has(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.waiting.clear();
    while (this.running.size > 0) await sleep(20);
  }
}
