// Pure: which standby to promote, whether the primary counts as failed, and whether a switchover may be asked for.
import { compareLsn } from '../postgres/lsn.js';
import type { ClusterStatus } from '../api/cluster-status.js';
import { ANNOTATIONS } from '../api/names.js';
import type { ObservedInstance } from './types.js';

/** Reachable standbys, most advanced first: received LSN, then replayed LSN, then name (as CloudNativePG orders them). */
export function rankFailoverCandidates(instances: ObservedInstance[], exclude: Set<string>): ObservedInstance[] {
  return instances
    .filter((i) => !exclude.has(i.name) && i.running && i.status !== undefined && !i.statusError && i.status.postgresRunning && i.status.isPrimary === false && !i.status.fenced)
    .sort(
      (a, b) =>
        compareLsn(b.status?.receivedLsn ?? b.status?.replayLsn, a.status?.receivedLsn ?? a.status?.replayLsn) ||
        compareLsn(b.status?.replayLsn, a.status?.replayLsn) ||
        a.name.localeCompare(b.name, 'en', { numeric: true }),
    );
}

export function chooseFailoverTarget(instances: ObservedInstance[], exclude: Set<string>): ObservedInstance | undefined {
  return rankFailoverCandidates(instances, exclude)[0];
}

/** A manager this young may not listen yet: its refused connection says nothing about the instance. */
export const MANAGER_START_GRACE_MS = 10_000;
/** Uncertain evidence (a timeout, a stalled manager) must persist this long before it counts. */
export const UNCERTAIN_FAILURE_WINDOW_MS = 5_000;

/**
 * Why the primary looks failed, and whether that is certain. Certain: the instance or its manager
 * process is gone, nothing listens where a settled manager should, or the manager reports
 * PostgreSQL down, isolated or no longer primary. Uncertain: a timeout, an error, a manager that is
 * gone while its postmaster still runs, or PostgreSQL not answering its manager — any of which a
 * busy machine produces on a healthy primary. Starting, restarting (a restart in place) and being
 * fenced are no failure at all.
 */
export type FailureEvidence = { certain: boolean; reason: string };

export function primaryFailure(p: ObservedInstance | undefined, now: Date): FailureEvidence | undefined {
  if (!p) return { certain: true, reason: 'instance is gone' };
  if (!p.running) {
    return p.postmasterRunning
      ? { certain: false, reason: 'instance manager not running, PostgreSQL still up' }
      : { certain: true, reason: 'instance not running' };
  }
  if (p.statusError !== undefined || !p.status) {
    const settled = p.managerStartedAt !== undefined && now.getTime() - Date.parse(p.managerStartedAt) >= MANAGER_START_GRACE_MS;
    const reason = p.statusError ?? 'no status';
    return { certain: p.statusErrorKind === 'refused' && settled, reason };
  }
  const s = p.status;
  // A demotion (a switchover's, or a replica cluster's primary becoming a designated one) stops PostgreSQL on purpose.
  if (s.phase === 'starting' || s.phase === 'restarting' || s.phase === 'fenced' || s.phase === 'demoting') return undefined;
  if (!s.postgresRunning) return { certain: true, reason: `PostgreSQL ${s.phase}` };
  if (s.phase === 'isolated') return { certain: true, reason: `isolated: ${s.isolationReason ?? 'by the operator'}` };
  // A replica cluster's primary is in recovery by design.
  if (s.isPrimary === false && !s.designatedPrimary) return { certain: true, reason: 'PostgreSQL is not a primary' };
  // The manager runs and so does the postmaster, but PostgreSQL did not answer it.
  if (s.isPrimary === undefined && s.phase === 'running') return { certain: false, reason: `PostgreSQL does not answer: ${s.lastError ?? 'no reply'}` };
  return undefined;
}

/** Instances listed in the cnpg.io/fencedInstances annotation (a JSON list; "*" means all). */
export function fencedInstances(annotations: Record<string, string> | undefined, all: string[]): Set<string> {
  const raw = annotations?.[ANNOTATIONS.fencedInstances];
  if (!raw) return new Set();
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return new Set();
    return list.includes('*') ? new Set(all) : new Set(list.filter((x): x is string => typeof x === 'string'));
  } catch {
    return new Set();
  }
}

/**
 * Why a change of the cnpg.io/fencedInstances annotation names something to fence that does not
 * exist, or undefined: a name newly listed must be one of the cluster's instances or "*". Names
 * already listed may stay (an instance scaled away can still be unfenced).
 */
export function fencingRefusal(before: Record<string, string> | undefined, after: Record<string, string> | undefined, instances: string[]): string | undefined {
  const listed = (annotations: Record<string, string> | undefined): unknown[] | undefined => {
    try {
      const list = JSON.parse(annotations?.[ANNOTATIONS.fencedInstances] ?? '[]') as unknown;
      return Array.isArray(list) ? list : undefined;
    } catch {
      return undefined;
    }
  };
  const wanted = listed(after);
  if (!wanted) return `must be a JSON list of instance names, e.g. ["${instances[0] ?? 'NAME-1'}"] or ["*"] (it fences nothing otherwise)`;
  const old = new Set(listed(before) ?? []);
  const unknown = wanted.filter((name) => !old.has(name) && name !== '*' && !(typeof name === 'string' && instances.includes(name)));
  if (unknown.length === 0) return undefined;
  return `${unknown.map((n) => JSON.stringify(n)).join(', ')} ${unknown.length === 1 ? 'is not an instance' : 'are not instances'} of this cluster (instances: ${instances.join(', ') || 'none yet'}; "*" stands for all of them)`;
}

/** `promote` and `restart` take an instance by its name or by its serial number. */
export function resolveInstanceName(cluster: string, given: string): string {
  return /^\d+$/.test(given) ? `${cluster}-${given}` : given;
}

/**
 * Why a switchover to `target` cannot be asked for now, or undefined when it can; `unknown` when
 * the instance is not one of the cluster's.
 */
export function switchoverRefusal(cluster: string, target: string, instances: string[], status: ClusterStatus): { unknown: boolean; message: string } | undefined {
  if (!instances.includes(target)) return { unknown: true, message: `instance ${target} is not part of cluster ${cluster} (instances: ${instances.join(', ') || 'none'})` };
  if (status.currentPrimary === target) return { unknown: false, message: `${target} is already the primary of ${cluster}` };
  if (status.targetPrimary === 'pending') return { unknown: false, message: `cluster ${cluster} is failing over; try again when it is healthy` };
  return undefined;
}
