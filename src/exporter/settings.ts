// What the exporter is told by the instance manager: the resolved spec.monitoring and the facts of
// the whole cluster it reports. The instance spec carries MonitoringSpec as it is defined here.
import type { MonitoringQuery } from '../api/monitoring-queries.js';

/**
 * Facts of the whole cluster the cnpg_collector_* family reports on every instance, which an
 * instance cannot see for itself; the operator hands them over with the rest of the spec.
 */
export interface ClusterFacts {
  /** spec.replica.enabled: this cluster follows another one. */
  replicaMode: boolean;
  /** A supervised primary update waits for a user's switchover. */
  manualSwitchoverRequired: boolean;
  /** Synchronous replicas: the configured bounds and how many the configuration expects now. */
  syncReplicas: { min: number; max: number; expected: number };
  /** Distinct nodes hosting the instances; -1 when unknown. */
  nodesUsed: number;
  /** RFC 3339 times from the Cluster's status, when known. */
  firstRecoverabilityPoint?: string;
  lastAvailableBackup?: string;
  lastFailedBackup?: string;
  /** spec.walStorage.size in bytes, when WAL has a volume of its own. */
  walVolumeBytes?: number;
  /** The Barman Cloud plugin archives (spec.plugins): its metric names report the backup times too. Absent: no. */
  barmanCloudPlugin?: true;
}

/** spec.monitoring, resolved by the operator: what the exporter runs and reports. */
export interface MonitoringSpec {
  /** The default queries (unless disableDefaultQueries) then each custom document, merged by key. */
  queries: MonitoringQuery[];
  /** metricsQueriesTTL in seconds: results younger than this are served again; 0 disables the cache. */
  queriesTtlSeconds: number;
  facts: ClusterFacts;
}

/** Everything one collection depends on, read again for every collection so a new spec applies at once. */
export interface ExporterSettings {
  cluster: string;
  /** Where queries run when a query names no target_databases. */
  defaultDatabase: string;
  fenced: boolean;
  monitoring: MonitoringSpec;
}

/** A cluster without spec.monitoring still reports the built-in family. */
export const NO_FACTS: ClusterFacts = { replicaMode: false, manualSwitchoverRequired: false, syncReplicas: { min: 0, max: 0, expected: 0 }, nodesUsed: -1 };
