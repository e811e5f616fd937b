// Pure: spec.replica as the operator acts on it. A replica cluster's primary is a designated
// primary following the source; a cluster that stops being a replica has its designated primary
// promoted, after the promotion token's checks when it has one; the demoted primary's token and
// the last token used are recorded in status, as CloudNativePG does.
import type { ClusterStatus, StoredCluster as Cluster } from '../api/cluster-status.js';
import { goDurationSeconds } from '../api/go-duration.js';
import { isReplicaCluster } from '../api/replica-cluster.js';
import type { ExternalSecrets } from '../instance/external-connection.js';
import type { ReplicaClusterSpec, ReplicaSourceSpec } from '../instance/spec.js';
import { REPLICATION_USER } from '../postgres/hba.js';
import { PHASE } from './phases.js';
import { storeSpec } from './stores.js';
import type { Action, InstanceConfig, ObservedInstance } from './types.js';

export { isReplicaCluster };

/** What the designated primary follows: the external cluster spec.replica.source names. */
export function replicaSource(cluster: Cluster): ReplicaSourceSpec | undefined {
  const replica = cluster.spec.replica;
  if (!replica) return undefined;
  const external = cluster.spec.externalClusters?.find((e) => e.name === replica.source);
  if (!external) return undefined;
  const delay = replica.minApplyDelay ? goDurationSeconds(replica.minApplyDelay) : undefined;
  return {
    name: external.name,
    streaming: external.connectionParameters !== undefined,
    // As for a recovery, the external cluster's name is the server folder unless serverName says otherwise.
    ...(external.barmanObjectStore ? { store: storeSpec(external.barmanObjectStore, external.barmanObjectStore.serverName ?? external.name) } : {}),
    ...(delay ? { minApplyDelaySeconds: delay } : {}),
  };
}

/** The primary's share of spec.replica; nothing for standbys, nor for a Cluster without the section. */
export function replicaClusterConfig(cluster: Cluster, isPrimary: boolean): Pick<InstanceConfig, 'replicaCluster'> {
  if (!isPrimary || !cluster.spec.replica) return {};
  const token = cluster.spec.replica.promotionToken;
  const replicaCluster: ReplicaClusterSpec = { source: replicaSource(cluster) };
  if (!isReplicaCluster(cluster)) replicaCluster.promote = token ? { token } : {};
  return { replicaCluster };
}

/**
 * A replica cluster's roles are its source's, read-only: its standbys authenticate to the
 * designated primary with the password the source gave the replication role, which is the one the
 * source connection uses when it connects as that role. Undefined: the cluster's own secret.
 */
export function inheritedReplicationPassword(cluster: Cluster, secrets: Record<string, ExternalSecrets> | undefined): string | undefined {
  if (!isReplicaCluster(cluster)) return undefined;
  const source = cluster.spec.externalClusters?.find((e) => e.name === cluster.spec.replica?.source);
  if (source?.connectionParameters?.user !== REPLICATION_USER) return undefined;
  return secrets?.[source.name]?.password;
}

export interface ReplicaClusterPlan {
  fields: Pick<ClusterStatus, 'demotionToken' | 'lastPromotionToken'>;
  /** Set while a promotion out of replica mode waits for its token or was refused: what the phase says. */
  progress?: { phase: string; reason: string; requeueAfterMs?: number };
  actions: Action[];
}

export function planReplicaCluster(cluster: Cluster, primary: ObservedInstance | undefined, previous: ClusterStatus): ReplicaClusterPlan {
  const fields: ReplicaClusterPlan['fields'] = {};
  const actions: Action[] = [];
  const s = primary?.status;
  // The demoted primary publishes its token; it stays in status for the other site to copy.
  const demotionToken = s?.demotionToken ?? (isReplicaCluster(cluster) ? previous.demotionToken : undefined);
  if (demotionToken) fields.demotionToken = demotionToken;
  if (demotionToken && demotionToken !== previous.demotionToken) {
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'DemotionToken', message: `Demoted ${primary?.name ?? 'the primary'}: status.demotionToken holds the token to promote the new primary cluster with` });
  }
  const token = cluster.spec.replica?.promotionToken;
  if (token && s?.isPrimary === true && !isReplicaCluster(cluster)) fields.lastPromotionToken = token;
  else if (previous.lastPromotionToken) fields.lastPromotionToken = previous.lastPromotionToken;
  if (isReplicaCluster(cluster) || !s?.replicaPromotion) return { fields, actions };
  const { state, message } = s.replicaPromotion;
  const reason = state === 'waiting' ? message : `promotion refused: ${message}`;
  if (state === 'refused' && previous.phaseReason !== reason) {
    actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'PromotionTokenRefused', message: `${primary?.name ?? 'The designated primary'} stays a replica: ${message}` });
  }
  return { fields, actions, progress: { phase: PHASE.promotingToPrimaryCluster, reason, requeueAfterMs: state === 'waiting' ? 1000 : undefined } };
}
