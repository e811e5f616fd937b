// The instance manager's side of the primary lease: made from the spec when it first names one,
// acquired before this instance runs as its cluster's primary, released once its PostgreSQL stopped.
// A spec without primaryLease (a replica cluster) asks for nothing.
import { log } from './log.js';
import { leaseStoreFor } from './lease-store.js';
import { PrimaryLease, type LeaseTimings } from './primary-lease.js';
import type { InstanceSpec } from './spec.js';

/** As CloudNativePG: long enough to take over a lease its holder stopped renewing, in one wait. */
export function acquireTimeoutMs(t: LeaseTimings): number {
  return (t.leaseDurationSeconds + 3 * t.retryPeriodSeconds) * 1000;
}

export class InstanceLease {
  private lease?: Promise<PrimaryLease>;

  constructor(
    private readonly spec: () => InstanceSpec,
    private readonly onLost: (holder: string) => void,
  ) {}

  private get(spec: InstanceSpec): Promise<PrimaryLease> | undefined {
    const wanted = spec.primaryLease;
    if (!wanted) return this.lease;
    // A store that could not be made (its service-account files not there yet) is tried again next time.
    this.lease ??= leaseStoreFor(spec).then(
      (store) => new PrimaryLease(store, spec.name, wanted, this.onLost),
      (e: unknown) => {
        this.lease = undefined;
        throw e;
      },
    );
    return this.lease.then((lease) => {
      lease.setTimings(wanted);
      return lease;
    });
  }

  /**
   * Makes the lease's store ahead of need, on any instance: on Kubernetes that loads the API
   * client (half a second and more), which a standby would otherwise pay in its promotion.
   */
  prepare(spec: InstanceSpec = this.spec()): void {
    void this.get(spec)?.catch((e: Error) => log('warn', 'the primary lease store could not be made', { error: e.message }));
  }

  /** `spec`: the one about to be acted on, where it is newer than the one last reconciled. */
  async acquire(spec: InstanceSpec = this.spec()): Promise<void> {
    const lease = this.get(spec);
    if (!lease || !spec.primaryLease) return;
    await (await lease).acquire(acquireTimeoutMs(spec.primaryLease));
  }

  /**
   * A release that cannot be written is logged, not thrown: PostgreSQL is stopped already, and the
   * lease then expires by itself (a candidate waits leaseDuration), which must not fail the
   * demotion, rejoin or isolation that let it go.
   */
  async release(): Promise<void> {
    if (!this.lease) return;
    try {
      await (await this.lease).release();
    } catch (e) {
      log('warn', 'could not release the primary lease; it expires by itself', { error: (e as Error).message });
    }
  }

  /** For a manager going away: a store that does not answer in `ms` is left to expire the lease. */
  async releaseWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([this.release(), late]);
    clearTimeout(timer);
  }

  /** Stops renewing, keeping the lease: PostgreSQL outlives this manager and the next one adopts it. */
  stop(): void {
    void this.lease?.then((lease) => lease.stop());
  }
}
