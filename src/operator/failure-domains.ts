// Pure: spec.postgresql.synchronous.podFailureDomainKeys / nodeFailureDomainKeys, as CloudNativePG
// applies them: synchronous standbys are chosen among the instances whose failure domain (the
// values of the listed Pod or Node labels) is not the primary's, so a commit survives losing the
// primary's whole zone. It is a preference: when too few standbys are elsewhere, the names are
// chosen as if the keys were not set, rather than waiting for acknowledgements that cannot come.
import type { Cluster } from '../api/index.js';
import type { Condition } from '../api/cluster-status.js';
import { placementOf, type Placement } from './sync-election.js';
import type { ObservedInstance } from './types.js';

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

/**
 * CloudNativePG's `SyncReplicationTopologySatisfied` condition, present only while failure domain
 * keys are set: whether enough standbys are elsewhere for the keys to shape synchronous_standby_names,
 * counted on the same candidates (every standby with required durability, the ready ones with preferred).
 */
export function failureDomainCondition(
  cluster: Cluster,
  primary: string,
  standbys: { all: readonly string[]; ready: readonly string[] },
  placement: Readonly<Record<string, Placement>>,
  previous: readonly Condition[] | undefined,
  now: string,
): Condition | undefined {
  const sync = cluster.spec.postgresql?.synchronous;
  if (!domainKeys(cluster) || !sync) return undefined;
  const preferred = sync.dataDurability === 'preferred';
  const cross = crossDomainStandbys(cluster, primary, preferred ? standbys.ready : standbys.all, placement);
  const enough = preferred ? 1 : sync.number;
  const [ok, reason, message] =
    cross === undefined
      ? [false, 'TopologyNotExtracted', 'The failure domain labels could not be read for every instance, or for the primary']
      : cross.length >= enough
        ? [true, 'Satisfied', `Synchronous standbys in another failure domain than ${primary}'s: ${cross.join(', ')}`]
        : [false, 'InsufficientCrossDomainReplicas', `Fewer than ${enough} electable standby(s) in another failure domain than ${primary}'s; the failure domain keys are set aside`];
  const type = 'SyncReplicationTopologySatisfied';
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return { type, status, reason, message, lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now };
}

/** Each instance's values for the failure domain keys (status.topology.instances), while the keys are set and readable. */
export function failureDomainTopology(cluster: Cluster, placement: Readonly<Record<string, Placement>>): Record<string, Record<string, string>> | undefined {
  const wanted = domainKeys(cluster);
  const all = wanted && domains(wanted.keys, wanted.from, placement);
  if (!wanted || !all) return undefined;
  return Object.fromEntries([...all].map(([name, values]) => [name, Object.fromEntries(wanted.keys.map((k, i) => [k, values[i]!]))]));
}

/** The `instances` entry of status.topology, or nothing, so a cluster without the keys keeps its status as it was. */
export function failureDomainTopologyField(cluster: Cluster, instances: readonly ObservedInstance[]): { instances?: Record<string, Record<string, string>> } {
  const labels = failureDomainTopology(cluster, placementOf(instances));
  return labels ? { instances: labels } : {};
}
