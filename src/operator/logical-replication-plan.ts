// Pure: what to do for one Publication or Subscription, given its Cluster and how to reach the
// publisher. Both kinds are reconciled on the Cluster's primary by its instance manager, as
// CloudNativePG's instance manager does; the operator only carries the request there.
import type { LogicalReplicationStatus, Publication, Subscription } from '../api/index.js';
import type { StoredCluster } from '../api/cluster-status.js';
import type { ExternalConnection } from '../instance/external-connection.js';
import type { LogicalReplicationRequest } from '../instance/logical-replication.js';

export type LogicalObject = (Publication | Subscription) & { status?: LogicalReplicationStatus };

/** CloudNativePG's finalizers: the PostgreSQL object is dropped (reclaim policy delete) before the object goes. */
export const FINALIZERS = { Publication: 'cnpg.io/deletePublication', Subscription: 'cnpg.io/deleteSubscription' } as const;

/** How often an applied object is applied again, as CloudNativePG requeues: a hand-dropped publication comes back. */
export const REAPPLY_MS = 30_000;

export interface LogicalPlanInput {
  object: LogicalObject;
  /** Undefined when the Cluster does not exist, or is being deleted. */
  cluster?: StoredCluster;
  /** A Subscription's externalClusters entry with its Secrets, or why it cannot be had. */
  source?: ExternalConnection | { error: string };
}

export type LogicalPlan =
  /** Before anything is created, so a deletion can never miss it. */
  | { kind: 'addFinalizer' }
  /** Send the request to the primary, then write the status its answer gives (statusAfter). */
  | { kind: 'call'; instance: string; request: LogicalReplicationRequest; then: 'status' | 'release' }
  /** Let the object go: nothing (more) to drop. */
  | { kind: 'release' }
  /** Nothing can be done now; the status says why. */
  | { kind: 'wait'; status: LogicalReplicationStatus };

function hasFinalizer(o: LogicalObject): boolean {
  return o.metadata.finalizers?.includes(FINALIZERS[o.kind]) ?? false;
}

/** The primary requests go to: the current one, once no switchover to another is under way. */
function primaryOf(cluster: StoredCluster): string | undefined {
  const { currentPrimary, targetPrimary } = cluster.status ?? {};
  return currentPrimary !== undefined && currentPrimary === targetPrimary ? currentPrimary : undefined;
}

function reclaimDelete(o: LogicalObject): boolean {
  return o.kind === 'Publication' ? o.spec.publicationReclaimPolicy === 'delete' : o.spec.subscriptionReclaimPolicy === 'delete';
}

function publicationRequest(o: Publication): LogicalReplicationRequest {
  const { name, dbname, parameters = {}, target } = o.spec;
  return { kind: 'publication', dbname, name, publication: { name, target, parameters } };
}

function subscriptionRequest(o: Subscription, source: ExternalConnection): LogicalReplicationRequest {
  const { name, dbname, parameters = {}, publicationName, publicationDBName } = o.spec;
  return { kind: 'subscription', dbname, name, subscription: { name, publicationName, parameters, source, ...(publicationDBName !== undefined ? { publicationDBName } : {}) } };
}

function dropRequest(o: LogicalObject): LogicalReplicationRequest {
  return o.kind === 'Publication' ? { kind: 'publication', dbname: o.spec.dbname, name: o.spec.name } : { kind: 'subscription', dbname: o.spec.dbname, name: o.spec.name };
}

const failed = (o: LogicalObject, message: string): LogicalReplicationStatus => ({ observedGeneration: o.metadata.generation, applied: false, message });

export function planLogicalReplication({ object: o, cluster, source }: LogicalPlanInput): LogicalPlan {
  const primary = cluster && primaryOf(cluster);
  if (o.metadata.deletionTimestamp) {
    if (!hasFinalizer(o)) return { kind: 'release' };
    // Only what this object created is dropped: one that never applied may name another's object.
    // Without its Cluster there is nothing left to drop from.
    if (!reclaimDelete(o) || o.status?.applied !== true || !cluster) return { kind: 'release' };
    if (!primary) return { kind: 'wait', status: failed(o, `waiting for the primary of Cluster ${cluster.metadata.name} to drop the ${o.kind.toLowerCase()}`) };
    return { kind: 'call', instance: primary, request: dropRequest(o), then: 'release' };
  }
  if (!cluster) return { kind: 'wait', status: failed(o, `Cluster ${o.spec.cluster.name} does not exist`) };
  if (!hasFinalizer(o)) return { kind: 'addFinalizer' };
  if (!primary) return { kind: 'wait', status: failed(o, `Cluster ${cluster.metadata.name} has no primary yet`) };
  if (o.kind === 'Subscription') {
    if (!source) return { kind: 'wait', status: failed(o, `no externalClusters entry ${o.spec.externalClusterName}`) };
    if ('error' in source) return { kind: 'wait', status: failed(o, source.error) };
    return { kind: 'call', instance: primary, request: subscriptionRequest(o, source), then: 'status' };
  }
  return { kind: 'call', instance: primary, request: publicationRequest(o), then: 'status' };
}

/** The status after the primary answered (or could not be reached: `message` is why). */
export function statusAfter(o: LogicalObject, answer: { applied: boolean; message?: string }): LogicalReplicationStatus {
  return answer.applied ? { observedGeneration: o.metadata.generation, applied: true, message: '' } : failed(o, answer.message ?? 'not applied');
}
