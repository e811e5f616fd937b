// The operator's own watch of a cluster's primary lease: for how long it has seen the same record,
// by this process's clock. Like a candidate waiting for the lease (instance/primary-lease.ts), it
// never compares the holder's renewTime with its own clock, only for equality; after a restart of
// the operator it has watched for no time at all.
import type { LeaseRecord } from '../instance/primary-lease.js';
import type { ObservedCluster } from './types.js';

export class LeaseWatch {
  private readonly seen = new Map<string, { record: LeaseRecord; atMs: number }>();

  /** `record` undefined: not read (or none); what was seen of that cluster is forgotten. */
  observe(cluster: string, record: LeaseRecord | undefined, nowMs = Date.now()): ObservedCluster['primaryLease'] {
    if (!record) {
      this.seen.delete(cluster);
      return undefined;
    }
    const before = this.seen.get(cluster);
    const same = before && before.record.holder === record.holder && before.record.renewTime === record.renewTime;
    const since = same ? before.atMs : nowMs;
    if (!same) this.seen.set(cluster, { record, atMs: nowMs });
    return { holder: record.holder, unchangedForMs: nowMs - since, leaseDurationMs: record.leaseDurationSeconds * 1000 };
  }
}
