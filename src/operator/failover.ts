// Pure: which standby to promote, and whether the primary counts as failed.
import { compareLsn } from '../postgres/lsn.js';
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
