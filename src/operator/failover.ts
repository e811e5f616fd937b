// Pure: which standby to promote, whether the primary counts as failed, and whether a switchover may be asked for.
import { compareLsn } from '../postgres/lsn.js';
import type { ClusterStatus } from '../api/cluster-status.js';
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

/**
 * A primary is failed when its manager is gone, unreachable, or reports PostgreSQL down or not
 * primary. Being fenced, starting and restarting on purpose (a restart, an unfence) are not failures.
 */
export function primaryFailed(p: ObservedInstance | undefined): boolean {
  if (!p) return true;
  if (!p.running || p.statusError !== undefined || !p.status) return true;
  if (p.status.phase === 'starting' || p.status.phase === 'restarting' || p.status.phase === 'fenced') return false;
  return !p.status.postgresRunning || p.status.phase === 'isolated' || p.status.isPrimary === false;
}

/** Instances listed in the cnpg.io/fencedInstances annotation (a JSON list; "*" means all). */
export function fencedInstances(annotations: Record<string, string> | undefined, all: string[]): Set<string> {
  const raw = annotations?.['cnpg.io/fencedInstances'];
  if (!raw) return new Set();
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return new Set();
    return list.includes('*') ? new Set(all) : new Set(list.filter((x): x is string => typeof x === 'string'));
  } catch {
    return new Set();
  }
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
