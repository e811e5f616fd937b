// Pure: which standbys may be synchronous under spec.postgresql.syncReplicaElectionConstraint, as
// CloudNativePG elects them: only those on a node whose values for the listed node labels are not
// all the primary's node's.
import type { Cluster } from '../api/index.js';
import type { ObservedInstance } from './types.js';

/** Where an instance runs: its node, and that node's labels (undefined: the node was not read). */
export interface Placement {
  node?: string;
  nodeLabels?: Readonly<Record<string, string>>;
  /** The instance's own labels (its Pod's), where the platform reports them. */
  podLabels?: Readonly<Record<string, string>>;
}

export function placementOf(instances: readonly ObservedInstance[]): Record<string, Placement> {
  return Object.fromEntries(instances.map((i) => [i.name, { node: i.node, nodeLabels: i.nodeLabels, podLabels: i.podLabels }]));
}

/**
 * A test of standby names for `primary`. Like CloudNativePG: a label a node lacks counts as the
 * empty value (so nodes lacking all of them are one place); an instance not placed on a node yet is
 * not electable, nor is any standby when the primary is not; and when a placed instance's node
 * could not be read, the constraint is set aside rather than leaving the cluster without sync
 * standbys for a read that failed.
 */
export function electableFor(cluster: Cluster, primary: string, placement: Readonly<Record<string, Placement>> = {}): (standby: string) => boolean {
  const constraint = cluster.spec.postgresql?.syncReplicaElectionConstraint;
  if (!constraint?.enabled) return () => true;
  const placed = Object.values(placement).filter((p) => p.node);
  if (placed.some((p) => p.nodeLabels === undefined)) return () => true;
  const keys = constraint.nodeLabelsAntiAffinity ?? [];
  const domain = (name: string) => {
    const p = placement[name];
    return p?.node ? keys.map((k) => p.nodeLabels?.[k] ?? '') : undefined;
  };
  const primaryDomain = domain(primary);
  if (!primaryDomain) return () => false;
  return (standby) => {
    const d = domain(standby);
    return d !== undefined && d.some((value, i) => value !== primaryDomain[i]);
  };
}

/**
 * How many ready standbys of `primary` the constraint lets be synchronous, for the expected count
 * the exporter reports; undefined when the constraint is off and does not cap it.
 */
export function electableReadyCount(cluster: Cluster, primary: string, ready: readonly string[], placement?: Readonly<Record<string, Placement>>): number | undefined {
  if (!cluster.spec.postgresql?.syncReplicaElectionConstraint?.enabled) return undefined;
  const electable = electableFor(cluster, primary, placement);
  return ready.filter((n) => n !== primary && electable(n)).length;
}
