// When the primary applies the backup retention policy. The in-tree form (spec.backup) has it
// applied at every catalog upkeep, every five minutes and after each backup. A store from the
// Barman Cloud plugin's ObjectStore says how often instead
// (spec.instanceSidecarConfiguration.retentionPolicyIntervalSeconds): as the plugin does, a cycle
// runs at start, the next one that many seconds after a cycle that succeeded, and five minutes
// after one that failed or when the interval is 0.

/** How often the catalog is listed (and, in the in-tree form, the retention policy applied). */
export const UPKEEP_MS = 5 * 60_000;
/** The longest delay a Node timer takes; a longer wait is made of several. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether the periodic upkeep applies the policy: yes unless the store gives an interval of its own. */
export function retentionWithUpkeep(intervalSeconds: number | undefined): boolean {
  return intervalSeconds === undefined;
}

/** When the next retention cycle is due, after one that ended at `now`. */
export function nextRetentionAt(intervalSeconds: number | undefined, succeeded: boolean, now: number): number {
  return now + (intervalSeconds !== undefined && intervalSeconds > 0 && succeeded ? intervalSeconds * 1000 : UPKEEP_MS);
}

/** The timer to set for a cycle due at `dueAt`: if it is more than a timer can wait, the timer fires early and is set again. */
export function timerDelayMs(dueAt: number, now: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, dueAt - now));
}

/**
 * The cycles of a store with its own interval. `interval` is read at every cycle (a new spec applies
 * from the next one); `apply` applies the policy and says whether it succeeded.
 */
export class RetentionLoop {
  private timer?: NodeJS.Timeout;
  private dueAt = 0;
  private generation = 0;

  constructor(
    private readonly interval: () => number | undefined,
    private readonly apply: () => Promise<boolean>,
  ) {}

  /** The first cycle at once, as the plugin's. */
  start(): void {
    this.stop();
    this.dueAt = Date.now();
    this.schedule(this.generation);
  }

  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(generation: number): void {
    this.timer = setTimeout(() => void this.cycle(generation), timerDelayMs(this.dueAt, Date.now()));
  }

  private async cycle(generation: number): Promise<void> {
    const interval = this.interval();
    if (Date.now() >= this.dueAt) {
      const succeeded = retentionWithUpkeep(interval) || (await this.apply().catch(() => false));
      this.dueAt = nextRetentionAt(interval, succeeded, Date.now());
    }
    // A stop() while the policy was applied ends the loop.
    if (generation === this.generation) this.schedule(generation);
  }
}
