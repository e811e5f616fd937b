// Pure: declarative hibernation (the `cnpg.io/hibernation` annotation), as CloudNativePG does it.
// `on` stops every instance, the primary first so that no standby outlives it and stays behind;
// the data and status.currentPrimary stay. `off` starts the same primary alone, then the standbys
// follow as they always do: nothing is failed over, nothing is re-elected.
import type { Condition, StoredCluster as Cluster } from '../api/cluster-status.js';
import { ANNOTATIONS } from '../api/names.js';
import { PHASE } from './phases.js';
import type { Action, InstanceConfig, ObservedInstance } from './types.js';

export const HIBERNATION_CONDITION = 'cnpg.io/hibernation';

/** CloudNativePG's reasons for the condition; the first three mean the instances are (being) stopped. */
export const HIBERNATION_REASON = {
  deletingPods: 'DeletingPods',
  waitingPodsDeletion: 'WaitingPodsDeletion',
  hibernated: 'Hibernated',
  waitingForHealthy: 'WaitingForHealthy',
  /** Ours: `off` was asked for and the last primary is starting again, alone. */
  resuming: 'Resuming',
} as const;

const STOPPING_REASONS: readonly string[] = [HIBERNATION_REASON.deletingPods, HIBERNATION_REASON.waitingPodsDeletion, HIBERNATION_REASON.hibernated];

/** How soon to look again while instances stop or the primary starts. */
const HIBERNATION_REQUEUE_MS = 500;

export interface HibernationInput {
  cluster: Cluster;
  /** Sorted by serial. */
  instances: ObservedInstance[];
  /** status.currentPrimary, or whoever is primary. */
  primary: string;
  previousConditions: Condition[] | undefined;
  /** The phase the Cluster was in before this reconcile. */
  previousPhase: string | undefined;
  now: Date;
  /** The config an instance starts with (the primary, when resuming). */
  configFor: (instance: string) => InstanceConfig;
}

export interface HibernationPlan {
  actions: Action[];
  /** The condition to record; undefined removes it. */
  condition?: Condition;
  /** Set while hibernation owns the Cluster: the rest of the plan (failover, scaling, rolling) waits. */
  progress?: { phase: string; reason: string; requeueAfterMs?: number };
  /** Instances this plan stops: out of every endpoint at once. */
  stopping: string[];
}

export function hibernationRequested(cluster: Cluster): boolean {
  return cluster.metadata.annotations?.[ANNOTATIONS.hibernation] === 'on';
}

export function planHibernation(input: HibernationInput): HibernationPlan {
  const { cluster, instances, primary, previousConditions, now } = input;
  const before = previousConditions?.find((c) => c.type === HIBERNATION_CONDITION);
  const set = (status: boolean, reason: string, message: string): Condition => ({
    type: HIBERNATION_CONDITION,
    status: status ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: before && before.status === (status ? 'True' : 'False') && before.reason === reason ? before.lastTransitionTime : now.toISOString(),
  });
  const stopped = before !== undefined && STOPPING_REASONS.includes(before.reason);

  if (!hibernationRequested(cluster)) {
    if (!stopped && before?.reason !== HIBERNATION_REASON.resuming) return { actions: [], stopping: [] };
    return resume(input, set, before);
  }

  // Stopping a cluster that is still being built or failing over could leave it half made:
  // hibernation waits for it to be healthy, unless it has already begun.
  if (!stopped && input.previousPhase !== PHASE.healthy) {
    return { actions: [], stopping: [], condition: set(false, HIBERNATION_REASON.waitingForHealthy, 'Waiting for the cluster to be healthy before proceeding with hibernation') };
  }
  const running = instances.filter((i) => i.running);
  if (running.length === 0) {
    return {
      actions: before?.reason === HIBERNATION_REASON.hibernated ? [] : [{ kind: 'recordEvent', type: 'Normal', reason: 'Hibernated', message: `Every instance of ${cluster.metadata.name} is stopped; ${primary} is the primary when it resumes` }],
      stopping: [],
      condition: set(true, HIBERNATION_REASON.hibernated, 'Cluster has been hibernated'),
      progress: { phase: PHASE.hibernated, reason: `Hibernated; ${primary} starts first when it resumes (cnpg hibernate off ${cluster.metadata.name})` },
    };
  }
  // The primary goes first and alone; the standbys once it is down, so they have its last WAL.
  const primaryUp = running.find((i) => i.name === primary);
  const victims = primaryUp ? [primaryUp] : running;
  return {
    actions: [
      ...victims.map((v): Action => ({ kind: 'stopInstance', name: v.name })),
      { kind: 'recordEvent', type: 'Normal', reason: 'Hibernating', message: `Stopping ${victims.map((v) => v.name).join(', ')} for hibernation` },
    ],
    stopping: victims.map((v) => v.name),
    condition: set(false, HIBERNATION_REASON.deletingPods, 'Hibernation is in progress'),
    progress: { phase: PHASE.hibernating, reason: `Stopping ${victims.map((v) => v.name).join(', ')}`, requeueAfterMs: HIBERNATION_REQUEUE_MS },
  };
}

/**
 * Out of hibernation: the last primary starts alone, and its absence meanwhile is no failure (for
 * up to startDelay, as any start). Once it is a ready primary the condition goes and the usual
 * reconcile starts the standbys; if it does not come back in time, the usual reconcile decides.
 */
function resume(input: HibernationInput, set: (status: boolean, reason: string, message: string) => Condition, before: Condition | undefined): HibernationPlan {
  const { cluster, instances, primary, now } = input;
  const p = instances.find((i) => i.name === primary);
  if (!p || (p.running && p.status?.ready === true && p.status.isPrimary === true)) return { actions: [], stopping: [] };
  const since = before?.reason === HIBERNATION_REASON.resuming ? Date.parse(before.lastTransitionTime) : now.getTime();
  if (now.getTime() - since >= (cluster.spec.startDelay ?? 3600) * 1000) {
    return { actions: [{ kind: 'recordEvent', type: 'Warning', reason: 'ResumeTimedOut', message: `${primary} did not start as primary within startDelay after hibernation; reconciling as usual` }], stopping: [] };
  }
  const actions: Action[] = [];
  if (!p.running) actions.push({ kind: 'startInstance', name: primary, config: input.configFor(primary) });
  if (before?.reason !== HIBERNATION_REASON.resuming) actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'Resuming', message: `Resuming from hibernation: starting ${primary} first` });
  return {
    actions,
    stopping: [],
    condition: set(false, HIBERNATION_REASON.resuming, `Starting the primary ${primary} again`),
    progress: { phase: PHASE.resuming, reason: `Starting ${primary}, the primary before hibernation`, requeueAfterMs: HIBERNATION_REQUEUE_MS },
  };
}
