// Pure: a declarative major upgrade, as CloudNativePG 1.26+ runs it. A Cluster asking for a newer
// major than its data is stopped whole; pg_upgrade (--check first, then --link) runs on the
// primary's data with the old and the new binaries; the primary starts on the new major and the
// standbys, whose data is still the old major's, are removed and cloned again from it. A refused
// --check (or a failed run, the old data put back) leaves the Cluster running on its old major,
// with the reason in its status and an event, until the Cluster's spec changes again.
import type { ClusterStatus, ImageInfo, StoredCluster as Cluster } from '../api/cluster-status.js';
import { majorFromImageName } from '../api/image.js';
import { PHASE } from './phases.js';
import type { Action, InstanceConfig, ObservedInstance } from './types.js';

export interface MajorUpgradeInput {
  cluster: Cluster;
  previous: ClusterStatus;
  /** The major the Cluster's spec asks for. */
  requested: number;
  /** The image the Cluster runs (status.image as this plan records it). */
  image: string | undefined;
  instances: ObservedInstance[];
  primary: string | undefined;
  /** The new major's build is here (where the platform fetches builds, it may still be on its way). */
  targetReady: boolean;
  /** The handout of an instance at a major. */
  configFor: (instance: string, major: number) => InstanceConfig;
}

export interface MajorUpgradeStep {
  actions: Action[];
  phase: string;
  reason: string;
  requeueAfterMs?: number;
}

export interface MajorUpgradePlan {
  /** The major the instances run: the data's, until its upgrade succeeded. */
  runMajor: number;
  pgDataImageInfo?: ImageInfo;
  targetPgDataImageInfo?: ImageInfo;
  /** The upgrade has the Cluster to itself this reconcile: nothing else is planned, no endpoint is routed. */
  step?: MajorUpgradeStep;
  /** Standbys on the old major's data once the primary's is upgraded: removed, so scale-up clones them afresh. */
  stale: string[];
  /** An upgrade that failed: the Cluster runs its old major, and the status says why. */
  refused?: { reason: string; event?: Action };
}

const UPGRADE_REQUEUE_MS = 500;

/**
 * The major of the data the Cluster runs on: the primary's data folder where the platform reads it,
 * else what the status recorded, else the image recorded before, else (a new Cluster) the request.
 */
export function dataMajorOf(previous: ClusterStatus, primary: ObservedInstance | undefined, requested: number): number {
  return primary?.dataMajor ?? previous.pgDataImageInfo?.majorVersion ?? (previous.image ? majorFromImageName(previous.image) : undefined) ?? requested;
}

export function planMajorUpgrade(input: MajorUpgradeInput): MajorUpgradePlan {
  const { cluster, previous, requested, image, instances, primary } = input;
  const name = cluster.metadata.name;
  const primaryObs = instances.find((i) => i.name === primary);
  const dataMajor = instances.length === 0 || primary === undefined ? requested : dataMajorOf(previous, primaryObs, requested);
  const recorded = previous.pgDataImageInfo;
  const current: ImageInfo =
    dataMajor === requested && image
      ? { image, majorVersion: dataMajor }
      : recorded?.majorVersion === dataMajor
        ? recorded
        : { image: previous.image ?? '', majorVersion: dataMajor };

  if (dataMajor >= requested || primary === undefined) {
    const stale = instances.filter((i) => i.name !== primary && i.dataMajor !== undefined && i.dataMajor < dataMajor).map((i) => i.name);
    if (dataMajor > requested) {
      // Admission refuses a downgrade; a Cluster stored before that rule stays on its data's major.
      const reason = `the data is PostgreSQL ${dataMajor}'s and cannot be downgraded to ${requested}; set the image back to a PostgreSQL ${dataMajor} one`;
      return { runMajor: dataMajor, pgDataImageInfo: current, stale, refused: { reason } };
    }
    return { runMajor: dataMajor, pgDataImageInfo: current, stale };
  }

  // Nothing stops before the new binaries are here; the build's own status says how that goes.
  if (!input.targetReady) return { runMajor: dataMajor, pgDataImageInfo: current, stale: [] };
  const target: ImageInfo = { image: image ?? '', majorVersion: requested };
  // Recorded on the volume of the instance that ran pg_upgrade; after a failover that is a standby,
  // and the failure still holds for the Cluster: a second attempt would stop every instance again.
  const failure = instances
    .map((i) => i.majorUpgradeFailure)
    .find((f) => f !== undefined && f.targetMajor === requested && f.generation === cluster.metadata.generation);
  if (failure) {
    const reason =
      `the upgrade from PostgreSQL ${dataMajor} to ${requested} failed (${failure.stage === 'check' ? 'pg_upgrade --check' : 'pg_upgrade'}: ${failure.reason}); ` +
      `the cluster runs PostgreSQL ${dataMajor} on its unchanged data: fix the cause and change the Cluster's spec to try again, or set the image back to a PostgreSQL ${dataMajor} one`;
    const event: Action | undefined =
      previous.phase === PHASE.majorUpgrade ? { kind: 'recordEvent', type: 'Warning', reason: 'MajorUpgradeFailed', message: `${name}: ${reason}` } : undefined;
    return { runMajor: dataMajor, pgDataImageInfo: current, stale: [], refused: { reason, ...(event ? { event } : {}) } };
  }

  const actions: Action[] = [{ kind: 'routeEndpoints', rw: [], ro: [], r: [] }];
  const base = { runMajor: dataMajor, pgDataImageInfo: current, targetPgDataImageInfo: target, stale: [] };
  if (previous.phase !== PHASE.majorUpgrade) {
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'MajorUpgrade', message: `Upgrading ${name} from PostgreSQL ${dataMajor} to ${requested}: stopping every instance, then pg_upgrade on ${primary}` });
  }
  const up = instances.filter((i) => i.running || i.postmasterRunning);
  if (up.length > 0) {
    actions.push(...up.map((i) => ({ kind: 'stopInstance' as const, name: i.name })));
    return { ...base, step: { actions, phase: PHASE.majorUpgrade, reason: `Stopping ${up.map((i) => i.name).join(', ')} to upgrade from PostgreSQL ${dataMajor} to ${requested}`, requeueAfterMs: UPGRADE_REQUEUE_MS } };
  }
  actions.push({ kind: 'upgradeMajor', name: primary, generation: cluster.metadata.generation ?? 0, config: input.configFor(primary, requested) });
  return { ...base, step: { actions, phase: PHASE.majorUpgrade, reason: `Running pg_upgrade on ${primary} from PostgreSQL ${dataMajor} to ${requested}`, requeueAfterMs: UPGRADE_REQUEUE_MS } };
}
