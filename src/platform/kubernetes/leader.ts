// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the
// holder renews every retry period; a candidate takes the Lease once it has not been renewed for
// the lease duration. Optimistic concurrency (resourceVersion) decides races. A holder that cannot
// reach the API server keeps leading until its renew deadline, shorter than the lease duration, so
// that a blip of the API server does not cost it its caches while no one else can take over.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { microTime } from '../../instance/lease-kube-store.js';
import { isStatus } from './store.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
  /** How long a holder that cannot renew goes on leading; below the lease duration. */
  renewDeadlineMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (message: string) => void;
}


/** Pure: may `identity` take or keep the lease now? */
export function canAcquire(lease: V1Lease | undefined, identity: string, now: Date): boolean {
  const spec = lease?.spec;
  if (!spec?.holderIdentity || spec.holderIdentity === identity) return true;
  const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
  return now.getTime() - renewed > (spec.leaseDurationSeconds ?? 15) * 1000;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  private lastError?: string;
  private renewedAt = 0;

  constructor(
    kc: KubeConfig,
    private readonly o: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      // A request that hangs must not keep a holder leading past its deadline.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer from the API server within the retry period')), Math.max(this.o.retryPeriodMs ?? 2000, 2000));
      });
      held = await Promise.race([this.tryAcquireOrRenew(new Date()), timeout]).finally(() => clearTimeout(timer));
      if (held) this.renewedAt = Date.now();
      this.lastError = undefined;
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.lastError) this.o.onError?.(message);
      this.lastError = message;
      // Unknown is not lost: nobody can have taken a Lease we renewed less than a deadline ago.
      held = this.leading && Date.now() - this.renewedAt < (this.o.renewDeadlineMs ?? 10_000);
    }
    if (held && !this.leading) {
      this.leading = true;
      this.o.onStartedLeading();
    } else if (!held && this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
    this.timer = setTimeout(() => void this.tick(), this.o.retryPeriodMs ?? 2000);
  }

  private async tryAcquireOrRenew(now: Date): Promise<boolean> {
    const { namespace, name, identity } = this.o;
    const duration = this.o.leaseDurationSeconds ?? 15;
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
    if (!canAcquire(lease, identity, now)) return false;
    const taking = lease?.spec?.holderIdentity !== identity;
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(now),
      acquireTime: microTime(taking || !lease?.spec?.acquireTime ? now : new Date(lease.spec.acquireTime)),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (taking && lease ? 1 : 0),
    };
    try {
      if (!lease) await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
      else await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
      return true;
    } catch (e) {
      if (isStatus(e, 409)) return false;
      throw e;
    }
  }

  /** Gives the lease up at once so the next candidate need not wait out its duration. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name, identity } = this.o;
    const lease = await this.api.readNamespacedLease({ name, namespace }).catch(() => undefined);
    if (lease?.spec?.holderIdentity === identity) {
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, renewTime: undefined } } }).catch(() => undefined);
    }
  }
}
