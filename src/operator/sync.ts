// Pure: synchronous_standby_names for a primary, from the Cluster's synchronous settings.
import type { Cluster } from '../api/index.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `replicas` are every standby the cluster has; `ready` those streaming now. With
 * dataDurability `required` commits wait for the full set (so a lost standby blocks writes rather
 * than weakening durability); `preferred` shrinks the set to what is available.
 */
/**
 * `electable`: which standbys syncReplicaElectionConstraint lets the legacy min/max settings choose;
 * `crossDomain`: which of the cluster's standbys the synchronous failure domain keys keep.
 */
export function synchronousStandbyNames(
  cluster: Cluster,
  replicas: string[],
  ready: string[],
  electable: (name: string) => boolean = () => true,
  crossDomain: (names: string[]) => string[] = (names) => names,
): string {
  const sync = cluster.spec.postgresql?.synchronous;
  if (sync) {
    const preferred = sync.dataDurability === 'preferred';
    const local = crossDomain(preferred ? ready : replicas).slice(0, sync.maxStandbyNamesFromCluster ?? Number.MAX_SAFE_INTEGER);
    const names = [...(sync.standbyNamesPre ?? []), ...local, ...(sync.standbyNamesPost ?? [])];
    if (names.length === 0) return '';
    const number = preferred ? Math.min(sync.number, names.length) : sync.number;
    if (number <= 0) return '';
    return `${sync.method.toUpperCase()} ${number} (${names.map(quote).join(', ')})`;
  }
  const min = cluster.spec.minSyncReplicas ?? 0;
  const max = cluster.spec.maxSyncReplicas ?? 0;
  if (max <= 0 || ready.length === 0) return '';
  const quorum = Math.max(min, Math.min(max, ready.length));
  // Fewer electable standbys lower the number, down to none: asynchronous, as CloudNativePG does.
  const candidates = ready.filter(electable);
  if (candidates.length === 0) return '';
  return `ANY ${Math.min(quorum, ready.length, candidates.length)} (${candidates.map(quote).join(', ')})`;
}
