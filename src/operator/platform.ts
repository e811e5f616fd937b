// What the operator needs from a platform. Local processes and Kubernetes both implement these;
// neither decides anything.
import type { Cluster, Pooler } from '../api/index.js';
import type { LocalEndpoint } from '../api/cluster-status.js';
import type { KubeObject } from '../api/meta.js';
import type { LabelSelector } from '../api/pod-selectors.js';
import type { BackupReport, BackupRequest } from '../instance/base-backup.js';
import type { LeaseRecord } from '../instance/primary-lease.js';
import type { DrillOrder, DrillRuntime } from './restore-drill-runtime.js';
import type { SnapshotBackupBegun, SnapshotBackupEnded, SnapshotBackupStart, SnapshotBackupStop } from '../instance/snapshot-backup.js';
import type { SnapshotElement, SnapshotMetadata, SnapshotTake } from './snapshot-types.js';
import type { LogicalReplicationAnswer, LogicalReplicationRequest } from '../instance/logical-replication.js';
import type { ActionResult, ObserveDatabaseRequest } from '../instance/database-requests.js';
import type { DatabaseAction, ObservedDatabase } from '../postgres/database-sql.js';
import type { PoolerHandout } from '../pgbouncer/handout.js';
import type { WantedVersion } from '../postgres/build-choice.js';
import type { InstanceHandout, ObservedInstance, ObservedPodMonitor, PostgresBuildState, VolumeRole } from './types.js';


/** What every ResourceStore throws for a write to an object that does not exist (HTTP 404). */
export class NotFoundError extends Error {}

/** Annotations to set (null removes one); finalizers, when given, replace the list as a merge patch does. */
export interface MetadataPatch {
  annotations?: Record<string, string | null>;
  finalizers?: string[];
}

/**
 * One contract for the local store and the Kubernetes API server (test/contracts/resource-store.ts
 * runs against both): reads of a missing object give undefined or false, writes to one throw
 * NotFoundError; put replaces whatever version is stored (operator-owned objects: last writer wins)
 * and keeps the status; status is written only through updateStatus.
 */
export interface ResourceStore {
  /** Resolves to the patched object where the store has it; callers need not use it. */
  /**
   * `finalizers` replaces the list; an object being deleted goes once its list is empty, as on
   * Kubernetes.
   */
  patchMetadata(kind: string, namespace: string | undefined, name: string, patch: MetadataPatch): Promise<unknown>;
  get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** `labels`: only objects carrying every one of these labels, as a label selector `k=v,…` selects. */
  list(kind: string, namespace?: string, labels?: Record<string, string>): Promise<KubeObject[]>;
  /** Creates or replaces an object the operator owns (Secrets it generates). */
  put(obj: KubeObject): Promise<KubeObject>;
  /**
   * `base`: the status `status` was computed from. Given, fields equal to it are not written back:
   * they keep what is stored now, which another writer may have changed since (status-rebase.ts).
   */
  updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown, base?: unknown): Promise<unknown>;
  delete(kind: string, namespace: string | undefined, name: string): Promise<boolean>;
}

/**
 * Platforms give instances their lifecycle (processes or Pods) and their managers' addresses; they
 * talk to managers only through instance/client.ts. Where a method takes an InstanceHandout, the
 * platform records its hashes as given and reports them back from observe(), with the peers it told
 * the instance of and the ones it would tell it of now; the controller judges what is out of date.
 */
export interface InstanceRuntime {
  /** The PostgreSQL major used when a Cluster names none. */
  defaultMajor(): number;
  /** The image a Cluster naming none runs; recorded in its status.image at its first reconcile. */
  defaultImage(): string;
  /**
   * Where the platform chooses PostgreSQL builds (locally): the one `wanted` resolves to, fetched in
   * the background when it is not here yet. Quick: never waits for a fetch.
   */
  postgresBuild?(wanted: WantedVersion): Promise<PostgresBuildState>;
  observe(cluster: Cluster): Promise<ObservedInstance[]>;
  /** The cluster's primary lease record as stored; undefined when there is none. */
  primaryLease?(cluster: Cluster): Promise<LeaseRecord | undefined>;
  create(cluster: Cluster, name: string, serial: number, given: InstanceHandout): Promise<void>;
  configure(cluster: Cluster, name: string, given: InstanceHandout): Promise<void>;
  start(cluster: Cluster, name: string, given: InstanceHandout): Promise<void>;
  restartPostgres(cluster: Cluster, name: string): Promise<void>;
  /** Stops an instance as a Pod deletion would; the data stays. */
  stop(cluster: Cluster, name: string): Promise<void>;
  /** Grows a volume of an instance in use (where the platform reports volume sizes in observe()). */
  resizeVolume?(cluster: Cluster, name: string, role: VolumeRole, size: string, tablespace?: string): Promise<void>;
  /**
   * Runs pg_upgrade on a stopped instance's data to the major of `given` (operator/major-upgrade.ts);
   * a failure is recorded and reported by observe() as majorUpgradeFailure, the old data kept startable.
   */
  upgradeMajor(cluster: Cluster, name: string, given: InstanceHandout, generation: number): Promise<void>;
  /** Stops an instance and deletes its data, as scale-down does; `keepData` (destroy --keep-pvc): the data stays, detached from the Cluster. */
  remove(cluster: Cluster, name: string, options?: { keepData?: boolean }): Promise<void>;
  /** Serials whose kept data still holds the instance's name (Kubernetes: a detached PVC); absent where keeping frees the name. */
  keptSerials?(cluster: Cluster): Promise<number[]>;
  /** After a deleted cluster's last instance is removed: frees what the platform kept for it (locally, its operating-system user). */
  release?(cluster: Cluster): Promise<void>;
  /** Makes sure the instance accepts no more writes; resolves only once that is certain. */
  isolate(cluster: Cluster, name: string): Promise<void>;
  /** Promotes a standby (after it has received WAL up to `minLsn`, when given). */
  promote(cluster: Cluster, name: string, given: InstanceHandout, minLsn?: string): Promise<void>;
  /** Cleanly stops a primary that is to become a standby; returns the LSN its WAL ends at. */
  demote(cluster: Cluster, name: string, given: InstanceHandout): Promise<string>;
  /** Starts a base backup on an instance; it runs in the background. */
  startBackup(cluster: Cluster, name: string, request: BackupRequest): Promise<void>;
  /** How a backup on an instance is going; null when the instance has no record of it. */
  backupReport(cluster: Cluster, name: string, backupName: string): Promise<BackupReport | null>;
  /** Volume snapshots, online: backup mode held by the instance's manager (instance/snapshot-backup.ts); absent where not implemented. */
  snapshotBackupStart?(cluster: Cluster, name: string, request: SnapshotBackupStart): Promise<SnapshotBackupBegun>;
  snapshotBackupStop?(cluster: Cluster, name: string, request: SnapshotBackupStop): Promise<SnapshotBackupEnded>;
  snapshotBackupAbort?(cluster: Cluster, name: string, backupName: string): Promise<void>;
  /** The instance's pg_controldata output, recorded on the snapshots of it. */
  controlData?(cluster: Cluster, name: string): Promise<string>;
  /** Has the primary list the store's catalog again (and apply retention). */
  refreshCatalog(cluster: Cluster, name: string): Promise<void>;
  /** Has the primary apply or drop a Publication or Subscription (instance/logical-replication.ts). */
  logicalReplication(cluster: Cluster, name: string, request: LogicalReplicationRequest): Promise<LogicalReplicationAnswer>;
  /** A Database object's database as the primary `name` sees it. */
  observeDatabase(cluster: Cluster, name: string, request: ObserveDatabaseRequest): Promise<ObservedDatabase>;
  /** Runs planned database actions on the primary `name`; one result per action. */
  applyDatabase(cluster: Cluster, name: string, actions: DatabaseAction[]): Promise<ActionResult[]>;
}

export type EndpointRole = 'rw' | 'ro' | 'r';
export type EndpointAddresses = Record<EndpointRole, LocalEndpoint>;

export interface EndpointRuntime {
  /** Stable addresses for the cluster's endpoints, allocated once and kept. */
  addresses(cluster: Cluster): Promise<EndpointAddresses>;
  route(cluster: Cluster, backends: Record<EndpointRole, string[]>): Promise<void>;
  remove(cluster: Cluster): Promise<void>;
}

/** One running PgBouncer of a pooler (a process locally, a Pod on Kubernetes), as its pooler manager reports it. */
export interface ObservedPoolerInstance {
  name: string;
  /** PgBouncer runs with the handout applied and accepts clients. */
  ready: boolean;
  /** The hash (pgbouncer/handout.ts) of the handout the manager applied; undefined before its first. */
  appliedHash?: string;
  paused: boolean;
  /** What the manager says is wrong (a handout it refused, PgBouncer not starting), when it says anything. */
  error?: string;
}

/**
 * Runs a Pooler's PgBouncers: locally supervised pooler-manager processes behind one stable port,
 * on Kubernetes a Deployment, Service, ServiceAccount, Role and RoleBinding named after the pooler.
 * The controller decides the handout and the instance count; the platform only carries them out.
 */
export interface PoolerRuntime {
  /** Where clients of this pooler connect (stable across restarts and scaling). */
  address(pooler: Pooler): Promise<LocalEndpoint>;
  /** Makes `instances` PgBouncers run with this handout; idempotent, and quick when nothing changed. */
  apply(pooler: Pooler, handout: PoolerHandout): Promise<void>;
  observe(pooler: Pooler): Promise<ObservedPoolerInstance[]>;
  /** Stops the pooler's PgBouncers and deletes what the platform made for it. */
  remove(pooler: Pooler): Promise<void>;
}

/** The Cluster's PodMonitor (spec.monitoring.enablePodMonitor), where the platform has them. */
export interface PodMonitorRuntime {
  observe(cluster: Cluster): Promise<ObservedPodMonitor>;
  /** Makes the Cluster's PodMonitor what its spec asks for (its relabelings); quick when nothing changed. */
  apply(cluster: Cluster): Promise<void>;
  /** Removes the Cluster's own PodMonitor; one of that name the user made stays. */
  remove(cluster: Cluster): Promise<void>;
}

/** The addresses of the Pods a label selector matches in a namespace (spec.podSelectorRefs). */
export interface PodAddressRuntime {
  /** Pods being deleted are left out. */
  list(namespace: string, selector: LabelSelector): Promise<string[]>;
}

export type { DrillOrder, DrillRuntime };
/**
 * Volume snapshots of an instance's volumes (data, WAL, each tablespace), one per element, named as
 * CloudNativePG names them. Locally a copy of the instance's folders; on Kubernetes VolumeSnapshots.
 */
export interface SnapshotRuntime {
  /** Rejects, saying why, where snapshots cannot be taken (a Kubernetes cluster without the VolumeSnapshot API). */
  available?(namespace: string): Promise<void>;
  /**
   * Snapshots the instance's volumes as `elements`, resolving once each is cut (the volumes may
   * change again); an element whose name exists already is refused.
   */
  take(cluster: Cluster, instance: string, elements: SnapshotElement[], taking: SnapshotTake): Promise<void>;
  /** Resolves once every snapshot can be restored from (readyToUse); where a cut snapshot is ready at once, absent. */
  ready?(cluster: Cluster, elements: SnapshotElement[], taking: SnapshotTake): Promise<void>;
  /** Records with each snapshot what a restore needs (and locally, for an online one, the WAL up to its end). */
  seal(cluster: Cluster, instance: string, elements: SnapshotElement[], metadata: SnapshotMetadata): Promise<void>;
  /** What was recorded with a sealed snapshot; undefined when there is no such snapshot. */
  describe(namespace: string, name: string): Promise<SnapshotMetadata | undefined>;
  /** Deletes snapshots; missing ones are no error. */
  remove(namespace: string, names: string[]): Promise<void>;
}

export interface EventRecorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** Brings the objects a Cluster already has up to its spec.inheritedMetadata (api/inherited-metadata.ts decides the patch). */
export interface InheritedMetadataRuntime {
  apply(cluster: Cluster): Promise<void>;
}

export interface Platform {
  store: ResourceStore;
  instances: InstanceRuntime;
  endpoints: EndpointRuntime;
  events: EventRecorder;
  /** Optional until every platform runs Poolers; a Pooler on a platform without it reports so in its status. */
  poolers?: PoolerRuntime;
  /** Kubernetes only: a local cluster has no Prometheus operator to read a PodMonitor. */
  podMonitors?: PodMonitorRuntime;
  /** Without it, spec.podSelectorRefs resolve to nothing. */
  podAddresses?: PodAddressRuntime;
  /** Restore drills of Backups (operator/verification-controller.ts): processes locally, one-shot Pods on Kubernetes. */
  drills?: DrillRuntime;
  /** Volume snapshots (method: volumeSnapshot, bootstrap.recovery.volumeSnapshots): folder copies locally, VolumeSnapshots on Kubernetes. */
  snapshots?: SnapshotRuntime;
  /** Kubernetes only so far: a change of inheritedMetadata reaching the objects a Cluster has already. */
  inheritedMetadata?: InheritedMetadataRuntime;
}
