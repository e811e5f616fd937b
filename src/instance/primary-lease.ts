// The primary lease (spec.primaryLease), as CloudNativePG's instance manager holds it: an instance
// promotes, or starts as its cluster's primary, only once it holds the lease; the primary renews it
// while it runs; it lets go only after its PostgreSQL stopped (its last WAL archived), so the next
// primary never forks before the true end of the old one's WAL. A lease its holder stopped renewing
// is taken over only after it was seen unchanged for a whole leaseDuration, timed on this machine's
// clock: the holder's clock is never compared with ours. Where the lease lives (a Kubernetes Lease,
// a file beside a local cluster's instances) is the store's business.
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from './log.js';
import type { LeaseTimings } from './spec.js';

export interface LeaseRecord {
  /** The instance holding the lease; empty once released. */
  holder: string;
  leaseDurationSeconds: number;
  /** When the holder last wrote, as its own clock said: compared for equality only. */
  renewTime: string;
  acquireTime?: string;
  transitions: number;
}

export interface VersionedLease {
  record: LeaseRecord;
  /** The store's version of the record (a resourceVersion): a write names the one it read. */
  version: string;
}

export interface LeaseStore {
  /** undefined: no lease object (on Kubernetes the operator makes it). */
  read(): Promise<VersionedLease | undefined>;
  /** false when the record changed since `version` was read; `version` undefined: create it. */
  write(record: LeaseRecord, version: string | undefined): Promise<boolean>;
  /** Whether a missing lease may be made by its first holder (a local file), or waits for the operator. */
  readonly createsMissing: boolean;
}

export type { LeaseTimings };

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, releasedLeaseDurationSeconds: 1 };

/**
 * How often a candidate looks while it waits for the lease. A released lease is taken at the next
 * look, so this bounds a switchover's hand-over; CloudNativePG looks every retryPeriod (2 s), which
 * would add up to 2 s to every failover. Looking more often during the wait costs one read of one
 * small object per look, and never shortens the leaseDuration a lease still held must sit unchanged.
 */
const ACQUIRE_POLL_MS = 100;

export type TakeOver = { take: true } | { take: false; wait: string };

/**
 * Pure: whether `identity` may take the lease now. `seen` is the record as first seen unchanged and
 * since when (this process's clock); the caller keeps it between calls.
 */
export function mayTakeOver(identity: string, current: LeaseRecord, seen: { record: LeaseRecord; atMs: number } | undefined, nowMs: number, timings: LeaseTimings): TakeOver {
  if (current.holder === identity || current.holder === '') return { take: true };
  if (!seen || seen.record.holder !== current.holder || seen.record.renewTime !== current.renewTime) return { take: false, wait: `held by ${current.holder}` };
  const heldFor = nowMs - seen.atMs;
  const needed = timings.leaseDurationSeconds * 1000;
  if (heldFor < needed) return { take: false, wait: `held by ${current.holder}, not renewed for ${(heldFor / 1000).toFixed(1)}s of the ${timings.leaseDurationSeconds}s after which it is taken over` };
  return { take: true };
}

export class PrimaryLease {
  private held = false;
  private renewing?: Promise<void>;
  private stopRenewing?: AbortController;
  private releasing?: Promise<void>;
  private seen?: { record: LeaseRecord; atMs: number };
  /** What the last look found in the way, for the error of an acquire that timed out. */
  private lastWait?: string;

  constructor(
    private readonly store: LeaseStore,
    private readonly identity: string,
    private timings: LeaseTimings,
    /** Called when another instance took the lease over: this primary must stop taking writes. */
    private readonly onLost: (holder: string) => void,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  setTimings(timings: LeaseTimings): void {
    this.timings = timings;
  }

  /** Resolves once this instance holds the lease; rejects after `timeoutMs` with what it waits for. */
  async acquire(timeoutMs: number): Promise<void> {
    if (this.held) return;
    const deadline = Date.now() + timeoutMs;
    let waiting = 'nothing read yet';
    for (;;) {
      try {
        if (await this.tryTakeOver()) break;
      } catch (e) {
        waiting = `the lease could not be read or written: ${(e as Error).message}`;
      }
      if (Date.now() + ACQUIRE_POLL_MS > deadline) throw new Error(`waiting for the primary lease: ${this.lastWait ?? waiting}`);
      await sleep(ACQUIRE_POLL_MS);
    }
    this.held = true;
    log('info', 'acquired the primary lease');
    this.startRenewing();
  }

  private async tryTakeOver(): Promise<boolean> {
    const current = await this.store.read();
    if (!current) {
      this.lastWait = 'the lease object does not exist yet';
      if (!this.store.createsMissing) return false;
      return this.store.write(this.claimed(1), undefined);
    }
    const { record } = current;
    const decision = mayTakeOver(this.identity, record, this.seen, Date.now(), this.timings);
    if (!decision.take) {
      if (!this.seen || this.seen.record.holder !== record.holder || this.seen.record.renewTime !== record.renewTime) this.seen = { record, atMs: Date.now() };
      this.lastWait = decision.wait;
      return false;
    }
    const transitions = record.holder === this.identity ? record.transitions : record.transitions + 1;
    if (!(await this.store.write(this.claimed(transitions, record.holder === this.identity ? record.acquireTime : undefined), current.version))) return false;
    this.seen = undefined;
    return true;
  }

  private claimed(transitions: number, acquireTime?: string): LeaseRecord {
    const now = new Date().toISOString();
    return { holder: this.identity, leaseDurationSeconds: this.timings.leaseDurationSeconds, renewTime: now, acquireTime: acquireTime ?? now, transitions };
  }

  private startRenewing(): void {
    const abort = new AbortController();
    this.stopRenewing = abort;
    this.renewing = this.renewLoop(abort.signal).catch(() => undefined);
  }

  /**
   * Renews every retryPeriod. Renewals failing for renewDeadline lead to a read: another holder
   * means this primary was replaced (onLost); an unreadable lease is no evidence of that, so it keeps
   * trying, and the isolation check stops a primary that is really cut off.
   */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenewed = Date.now();
    while (!signal.aborted) {
      await sleep(this.timings.retryPeriodSeconds * 1000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      try {
        const current = await this.store.read();
        if (current && current.record.holder !== this.identity) {
          this.lost(current.record.holder);
          return;
        }
        if (current && (await this.store.write({ ...current.record, leaseDurationSeconds: this.timings.leaseDurationSeconds, renewTime: new Date().toISOString() }, current.version))) {
          lastRenewed = Date.now();
          continue;
        }
      } catch (e) {
        if (Date.now() - lastRenewed >= this.timings.renewDeadlineSeconds * 1000) log('warn', 'the primary lease could not be renewed', { error: (e as Error).message });
      }
    }
  }

  private lost(holder: string): void {
    this.held = false;
    this.stopRenewing?.abort();
    log('warn', 'the primary lease is held by another instance: stopping as primary', { holder });
    this.onLost(holder);
  }

  /**
   * Lets the lease go, once PostgreSQL is stopped: a candidate takes it at once. Callers at the same
   * time share one release, so none returns (and lets the process exit) while the write is on its way.
   */
  release(): Promise<void> {
    this.releasing ??= this.letGo().finally(() => (this.releasing = undefined));
    return this.releasing;
  }

  private async letGo(): Promise<void> {
    this.stopRenewing?.abort();
    await this.renewing;
    this.renewing = undefined;
    if (!this.held) return;
    this.held = false;
    await releaseLease(this.store, this.identity, this.timings.releasedLeaseDurationSeconds);
    log('info', 'released the primary lease');
  }

  /** Stops renewing without letting go: the process is going away with PostgreSQL still up. */
  stop(): void {
    this.stopRenewing?.abort();
  }
}

/**
 * Empties the holder if it is still `holder`; a no-op otherwise. Also what a platform does for a
 * holder whose PostgreSQL it stopped itself (certain evidence), so the next primary need not wait.
 */
export async function releaseLease(store: LeaseStore, holder: string, releasedLeaseDurationSeconds: number): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.read();
    if (!current || current.record.holder !== holder) return;
    const now = new Date().toISOString();
    if (await store.write({ holder: '', leaseDurationSeconds: releasedLeaseDurationSeconds, renewTime: now, acquireTime: now, transitions: current.record.transitions }, current.version)) return;
    await sleep(20);
  }
  throw new Error(`the primary lease held by ${holder} kept changing while it was being released`);
}
