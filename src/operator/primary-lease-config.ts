// Pure: the primary lease an instance is handed (spec.primaryLease, CloudNativePG's defaults). A
// replica cluster has none: its designated primary takes no writes, as in CloudNativePG, where only
// a primary of a cluster that is not a replica acquires the lease.
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { isReplicaCluster } from '../api/replica-cluster.js';
import { DEFAULT_LEASE_TIMINGS } from '../instance/primary-lease.js';
import type { InstanceConfig } from './types.js';

export function primaryLeaseConfig(cluster: Cluster): Pick<InstanceConfig, 'primaryLease'> {
  if (isReplicaCluster(cluster)) return {};
  return { primaryLease: { ...DEFAULT_LEASE_TIMINGS, ...cluster.spec.primaryLease } };
}
