// Controller-runtime's work queue in miniature: a key is reconciled by one worker at a time,
// repeated requests while it runs collapse into one more run, and requeues are timers. With
// maxConcurrent, keys beyond it wait their turn in arrival order.

export type Reconciler = (key: string) => Promise<{ requeueAfterMs?: number }>;

export class WorkQueue {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Insertion-ordered: the keys waiting for a free worker. */
  private readonly waiting = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly reconcile: Reconciler,
    private readonly onError: (key: string, e: unknown) => void,
    private readonly maxConcurrent = Infinity,
  ) {}

  /** Keys waiting for a worker (not those running, nor those whose requeue timer has not fired). */
  get depth(): number {
    return this.waiting.size;
  }

  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const existing = this.timers.get(key);
      if (existing) clearTimeout(existing);
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.add(key);
        }, delayMs),
      );
      return;
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.running.size >= this.maxConcurrent) {
      this.waiting.add(key);
      return;
    }
    void this.run(key);
  }

  private async run(key: string): Promise<void> {
    this.running.add(key);
    let requeue: number | undefined;
    try {
      requeue = (await this.reconcile(key)).requeueAfterMs;
    } catch (e) {
      this.onError(key, e);
      requeue = 2000;
    }
    this.running.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    else if (requeue !== undefined) this.add(key, requeue);
    for (const next of this.waiting) {
      if (this.running.size >= this.maxConcurrent) break;
      this.waiting.delete(next);
      this.add(next);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.waiting.clear();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
