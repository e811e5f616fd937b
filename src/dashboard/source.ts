// What the dashboard needs of a platform: the stored objects and the instances as the operator
// observes them. The local control plane and the Kubernetes operator each implement it; the
// dashboard itself never knows which one it runs in.
import type { StoredCluster } from '../api/cluster-status.js';
import type { StoredBackup } from '../api/backup.js';
import type { ObservedInstance } from '../operator/types.js';

export interface SourceEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** lastTimestamp (or eventTime) of the Event. */
  time: string;
  count: number;
  involvedObject: { kind: string; name: string };
}

/** One instance's /metrics text, when its exporter answered. */
export type MetricsText = string | undefined;

/** Everything the view model needs for one Cluster at one moment. */
export interface ClusterSnapshot {
  cluster: StoredCluster;
  instances: ObservedInstance[];
  /** The Cluster's Backup objects. */
  backups: StoredBackup[];
  /** Events about the Cluster and its Backups. */
  events: SourceEvent[];
  /** Instance name → its exporter's answer (absent where it has none or it did not answer). */
  metrics: Record<string, MetricsText>;
  now: Date;
}

export interface DashboardSource {
  listClusters(): Promise<StoredCluster[]>;
  /** undefined when no such Cluster exists. */
  snapshot(namespace: string, name: string): Promise<ClusterSnapshot | undefined>;
  /**
   * Adds annotations to the Cluster: how a switchover is asked for, as `cnpg promote` asks. Absent
   * where the platform has no token to check a viewer against: the dashboard then only reads.
   */
  annotateCluster?(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
}
