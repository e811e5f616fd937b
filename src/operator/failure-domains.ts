// Pure: spec.postgresql.synchronous.podFailureDomainKeys / nodeFailureDomainKeys, as CloudNativePG
// applies them: synchronous standbys are chosen among the instances whose failure domain (the
// values of the listed Pod or Node labels) is not the primary's, so a commit survives losing the
// primary's whole zone. It is a preference: when too few standbys are elsewhere, the names are
// chosen as if the keys were not set, rather than waiting for acknowledgements that cannot come.
import type { Cluster } from '../api/index.js';
import type { Placement } from './sync-election.js';

/** The keys in use and where their values are read; undefined when neither list is set. */
function domainKeys(cluster: Cluster): { keys: string[]; from: 'pod' | 'node' } | undefined {
  const sync = cluster.spec.postgresql?.synchronous;
  if (sync?.podFailureDomainKeys?.length) return { keys: sync.podFailureDomainKeys, from: 'pod' };
  if (sync?.nodeFailureDomainKeys?.length) return { keys: sync.nodeFailureDomainKeys, from: 'node' };
  return undefined;
}

/**
 * Each instance's domain, or undefined when the topology cannot be read, as the reference fails
 * its extraction: a Pod lacking one of the Pod label keys (a misconfiguration, not a domain of its
 * own), or an instance whose Node is unknown or was not read. A Node lacking a key counts as the
 * empty value.
 */
function domains(keys: string[], from: 'pod' | 'node', placement: Readonly<Record<string, Placement>>): Map<string, string[]> | undefined {
  const found = new Map<string, string[]>();
  for (const [name, p] of Object.entries(placement)) {
    if (from === 'pod') {
      if (!p.podLabels || keys.some((k) => p.podLabels?.[k] === undefined)) return undefined;
      found.set(name, keys.map((k) => p.podLabels![k]!));
    } else {
      if (!p.node || !p.nodeLabels) return undefined;
      found.set(name, keys.map((k) => p.nodeLabels?.[k] ?? ''));
    }
  }
  return found;
}

/** The candidates in another failure domain than `primary`'s; undefined when the keys are not set or the topology is unusable. */
export function crossDomainStandbys(cluster: Cluster, primary: string, candidates: readonly string[], placement: Readonly<Record<string, Placement>> = {}): string[] | undefined {
  const wanted = domainKeys(cluster);
  if (!wanted) return undefined;
  const all = domains(wanted.keys, wanted.from, placement);
  const home = all?.get(primary);
  if (!all || !home) return undefined;
  return candidates.filter((n) => {
    const d = all.get(n);
    return n !== primary && d !== undefined && d.some((v, i) => v !== home[i]);
  });
}

/**
 * The filter synchronousStandbyNames applies to the cluster's own standbys: the cross-domain ones
 * when there are enough of them (the whole `number` with required durability, one with preferred,
 * whose number shrinks to what is there), otherwise the list unchanged.
 */
export function failureDomainFilter(cluster: Cluster, primary: string, placement?: Readonly<Record<string, Placement>>): (names: string[]) => string[] {
  const sync = cluster.spec.postgresql?.synchronous;
  const enough = sync?.dataDurability === 'preferred' ? 1 : (sync?.number ?? 1);
  return (names) => {
    const cross = crossDomainStandbys(cluster, primary, names, placement);
    return cross && cross.length >= enough ? cross : names;
  };
}
