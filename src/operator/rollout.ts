// Pure: which instances run out of date with their Cluster's Pod-level fields, and which volumes are
// smaller than their storage spec asks. The planner rolls instances one at a time, standbys first
// (highest serial first) and the primary last, as CloudNativePG's rolling update does.
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { parseQuantity } from '../api/quantity.js';
import type { Action, ObservedInstance, ObservedVolume } from './types.js';

/** The build an instance runs: what its server reports, else what the platform started it on. */
export function runningVersion(i: ObservedInstance | undefined): string | undefined {
  return i?.status?.serverVersion ?? i?.postgresVersion;
}

const majorOf = (version: string): string => version.split('.')[0] ?? version;

/**
 * Where the platform chooses builds (locally), a minor upgrade: the instance runs another build of
 * the major its Cluster's version resolves to (`wanted`). Another major is a major upgrade, not this.
 */
export function runsOtherMinor(i: ObservedInstance | undefined, wanted: string | undefined): boolean {
  const running = runningVersion(i);
  return wanted !== undefined && running !== undefined && running !== wanted && majorOf(running) === majorOf(wanted);
}

/**
 * The instance runs from a spec its Cluster no longer gives: a Pod spec that changed (known only where
 * the platform records one), or another build of its major than the Cluster's version resolves to.
 */
export function runsOutdatedSpec(i: ObservedInstance | undefined, wantedVersion?: string): boolean {
  return (i?.runtimeSpecHash !== undefined && i.runtimeSpecHashNow !== undefined && i.runtimeSpecHash !== i.runtimeSpecHashNow) || runsOtherMinor(i, wantedVersion);
}

/** Why runsOutdatedSpec holds, for events and the phase. */
export function outdatedBecause(i: ObservedInstance, wantedVersion?: string): string {
  return runsOtherMinor(i, wantedVersion) ? `it runs PostgreSQL ${runningVersion(i)}, the Cluster's version resolves to ${wantedVersion}` : 'its Pod spec is out of date';
}

/** The standby to roll next: the highest serial first, fenced ones left alone (as CloudNativePG does). */
export function nextStandbyToRoll(standbys: ObservedInstance[], fenced: Set<string>, wantedVersion?: string): ObservedInstance | undefined {
  return [...standbys].sort((a, b) => b.serial - a.serial).find((s) => runsOutdatedSpec(s, wantedVersion) && !fenced.has(s.name));
}

/**
 * How many standbys must stay ready for commits to go on: synchronous.number with dataDurability
 * `required` (the default), or the legacy minSyncReplicas; `preferred` shrinks the set instead.
 */
export function synchronousQuorum(cluster: Cluster): number {
  const sync = cluster.spec.postgresql?.synchronous;
  if (sync) return sync.dataDurability === 'preferred' ? 0 : sync.number;
  return cluster.spec.minSyncReplicas ?? 0;
}

/** Stopping `standby` leaves at least the quorum of other ready standbys: rolling it never blocks commits. */
export function keepsSyncQuorum(cluster: Cluster, standbys: ObservedInstance[], standby: ObservedInstance, ready: (i: ObservedInstance) => boolean): boolean {
  return standbys.filter((s) => s.name !== standby.name && ready(s)).length >= synchronousQuorum(cluster);
}

const bytes = (quantity: string | undefined): number | undefined => (quantity === undefined ? undefined : parseQuantity(quantity));

/**
 * storage.size (walStorage.size, a tablespace's storage.size) grown past a volume's request: a resize of the volume in use when
 * resizeInUseVolumes allows it (the default), as CloudNativePG does. Volumes never shrink (the
 * update is refused at admission).
 */
export function volumeResizes(cluster: Cluster, instances: ObservedInstance[]): Extract<Action, { kind: 'resizeVolume' }>[] {
  const storageOf = (v: ObservedVolume): { size?: string; resizeInUseVolumes?: boolean } | undefined =>
    v.role === 'PG_DATA' ? cluster.spec.storage : v.role === 'PG_WAL' ? cluster.spec.walStorage : cluster.spec.tablespaces?.find((t) => t.name === v.tablespace)?.storage;
  return instances.flatMap((i) =>
    (i.volumes ?? []).flatMap((v) => {
      const storage = storageOf(v);
      const wanted = bytes(storage?.size);
      const current = bytes(v.size);
      if (!storage?.size || storage.resizeInUseVolumes === false || wanted === undefined || current === undefined || wanted <= current) return [];
      return [{ kind: 'resizeVolume' as const, name: i.name, role: v.role, ...(v.tablespace ? { tablespace: v.tablespace } : {}), size: storage.size }];
    }),
  );
}
