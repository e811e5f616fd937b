// What an instance manager is told to be. The platform writes it to `instance.json`; credentials
// travel separately in a 0600 file so this document can be logged and shown.
import type { AzureCredentials, Compression, GoogleCredentials, ObjectPolicy, RecoveryTargetSpec } from '../objectstore/index.js';
import type { DesiredRole } from '../postgres/role-plan.js';
import type { LdapSpec } from '../postgres/ldap-hba.js';
import type { MonitoringSpec } from '../exporter/settings.js';
import type { InstanceTimings } from './shutdown.js';
import type { ExternalSecrets, ExternalSource } from './external-connection.js';
import type { LibrariesSpec } from './libraries-spec.js';
import type { StorageLayout } from './storage-layout.js';

export type InstanceRole = 'primary' | 'replica';

export interface InitdbBootstrap {
  kind: 'initdb';
  database: string;
  owner: string;
  encoding: string;
  localeCollate?: string;
  localeCType?: string;
  locale?: string;
  localeProvider?: string;
  icuLocale?: string;
  icuRules?: string;
  builtinLocale?: string;
  dataChecksums: boolean;
  walSegmentSize?: number;
  options?: string[];
  postInitSQL: string[];
  postInitApplicationSQL: string[];
  postInitTemplateSQL: string[];
  /** A logical import from an external cluster once the new primary runs (bootstrap.initdb.import). */
  import?: ImportSpec;
}

export interface JoinBootstrap {
  kind: 'join';
}

/** A barman-cloud object store, without its secrets (those are in credentials.json). */
export interface StoreSpec {
  destinationPath: string;
  serverName: string;
  endpointURL?: string;
  walCompression?: Compression;
  walMaxParallel: number;
  /** WAL fetched ahead in a recovery: wal.maxParallel when set (absent: the cores, wal-restorer.ts). */
  walPrefetch?: number;
  dataCompression?: Compression;
  dataJobs: number;
  immediateCheckpoint: boolean;
  /** Encryption and tags of what is written (absent: none). */
  objects?: ObjectPolicy;
  /** --read-timeout from additionalCommandArgs: how long one request to the store may wait. */
  readTimeoutSeconds?: number;
}

export interface StoreSecrets {
  s3?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region?: string };
  azure?: AzureCredentials;
  google?: GoogleCredentials;
  endpointCA?: string;
}

/** A new primary restored from a base backup plus archived WAL, up to a target, then promoted. */
export interface RecoveryBootstrap {
  kind: 'recovery';
  source: StoreSpec;
  target?: RecoveryTargetSpec;
  database: string;
  owner: string;
}

/**
 * A new primary from volume snapshots (bootstrap.recovery.volumeSnapshots): the platform stages
 * their copies in InstancePaths.snapshotRestore before the manager starts; an online snapshot
 * carries its backup_label. With `source`, archived WAL is replayed from it up to the target.
 */
export interface SnapshotBootstrap {
  kind: 'snapshot';
  snapshots: { storage: string; walStorage?: string; tablespaceStorage?: Record<string, string> };
  /** Kubernetes: this instance's volumes were made from the snapshots (instance/snapshot-in-place.ts). */
  inPlace?: SnapshotVolumes;
  source?: StoreSpec;
  target?: RecoveryTargetSpec;
  database: string;
  owner: string;
}

/**
 * Volumes a CSI driver filled from VolumeSnapshots, set by the platform for the one instance whose
 * data volume has them as its source. `volume` is that volume's identity (its claim's uid): the
 * copy is staged once, and a volume snapshotted again later (carrying this instance's own marker)
 * is told apart from the one restored.
 */
export interface SnapshotVolumes {
  volume: string;
  /** An online snapshot's backup_label and tablespace_map, as pg_backup_stop returned them. */
  backupLabel?: string;
  tablespaceMap?: string;
}

/** The Cluster's spec.replica as its primary acts on it (instance/designated-primary.ts). */
export interface ReplicaClusterSpec {
  /** What the Cluster follows (spec.replica.source): while it is a replica, and while its promotion waits. */
  source?: ReplicaSourceSpec;
  /** The Cluster is no longer a replica: its designated primary promotes, at the token's checkpoint when it has one. */
  promote?: { token?: string };
}

export interface ReplicaSourceSpec {
  /** The externalClusters entry; it is streamed from when `streaming` (its connection is among externalSources). */
  name: string;
  streaming: boolean;
  /** Its object store, which restore_command reads archived WAL from (secrets: credentials' stores.replica). */
  store?: StoreSpec;
  /** spec.replica.minApplyDelay in seconds: recovery_min_apply_delay. */
  minApplyDelaySeconds?: number;
}

export interface PgBasebackupBootstrap {
  kind: 'pg_basebackup';
  /** The externalClusters entry to clone (InstanceSpec.externalSources carries how to reach it). */
  source: string;
  database: string;
  owner: string;
}

export interface ImportSpec {
  /** The externalClusters entry to dump from (InstanceSpec.externalSources carries how to reach it). */
  source: string;
  type: 'microservice' | 'monolith';
  databases: string[];
  roles: string[];
  postImportApplicationSQL: string[];
  schemaOnly: boolean;
  pgDumpExtraOptions: string[];
  pgRestoreExtraOptions: string[];
  pgRestorePredataOptions: string[];
  pgRestoreDataOptions: string[];
  pgRestorePostdataOptions: string[];
}

export type BootstrapSpec = InitdbBootstrap | JoinBootstrap | RecoveryBootstrap | PgBasebackupBootstrap | SnapshotBootstrap;

/** A managed role as handed to the instance (spec.managed.roles, defaults applied). */
export type ManagedRoleSpec = DesiredRole;

export interface PrimaryEndpoint {
  name: string;
  host: string;
  port: number;
}

export interface PeerEndpoint {
  name: string;
  /** Where the peer's manager listens; 127.0.0.1 when omitted (local platform). */
  host?: string;
  statusPort: number;
}

export type { ClusterFacts, MonitoringSpec } from '../exporter/settings.js';

export interface IsolationCheck {
  enabled: boolean;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
}

export type LogLevel = 'error' | 'warning' | 'info' | 'debug' | 'trace';

export interface InstanceSpec {
  namespace: string;
  cluster: string;
  name: string;
  serial: number;
  /** Bumped by the operator on every change so status can say what was applied. */
  generation: number;
  binDir: string;
  major: number;
  /**
   * The exact PostgreSQL build the instance runs ("16.13"), where the platform chooses builds
   * (locally: src/postgres/distributions.ts); on Kubernetes the image decides.
   */
  postgresVersion?: string;
  osUser: string;
  pgPort: number;
  statusPort: number;
  /** Where the exporter serves /metrics: 9187 in a Pod, an allocated port locally. */
  metricsPort?: number;
  role: InstanceRole;
  primary?: PrimaryEndpoint;
  slotName?: string;
  bootstrap: BootstrapSpec;
  parameters: Record<string, string>;
  pgHba: string[];
  pgIdent: string[];
  /** spec.postgresql.ldap when it names a bind method; its bind password is in credentials.json. */
  ldap?: LdapSpec;
  localRoles: string[];
  replicationSlots: string[];
  enableSuperuserAccess: boolean;
  managedRoles: ManagedRoleSpec[];
  synchronousStandbyNames?: string;
  /** Fenced: PostgreSQL stays stopped while the manager keeps running and reporting. */
  fenced: boolean;
  /**
   * A restart asked for (the Cluster's `kubectl.kubernetes.io/restartedAt`): PostgreSQL started
   * before this value reached the manager reports a pending restart, which the operator rolls out.
   */
  restartRequest?: string;
  /** A reload asked for (the Cluster's `cnpg.io/reloadedAt`): each new value reloads PostgreSQL once. */
  reloadRequest?: string;
  /** Other instances' status endpoints, used by a primary to tell whether it is isolated. */
  peers: PeerEndpoint[];
  /** A file naming the control plane's liveness URL; the control plane may move between restarts. */
  operatorEndpointFile?: string;
  /** The control plane's URL when it does not move (the Kubernetes API server). */
  controlPlaneUrl?: string;
  /** PostgreSQL's and the manager's listen address: 127.0.0.1 locally, every interface in a Pod. */
  listenAddress?: string;
  /** A primary that reaches neither the control plane nor any peer for this long stops PostgreSQL. */
  isolationTimeoutMs: number;
  /** spec.probes.liveness.isolationCheck when the Cluster changes it: off, or other timeouts for each probe of a peer or the control plane. */
  isolationCheck?: IsolationCheck;
  /** spec.logLevel when not `info`: the least severe line the manager writes. */
  logLevel?: LogLevel;
  /** spec.env's plain values, in PostgreSQL's environment (in a Pod the container has them already). */
  env?: Record<string, string>;
  /** Where WAL and base backups go (spec.backup.barmanObjectStore). */
  archive?: StoreSpec;
  /** No archive, yet WAL must be kept for one (its ObjectStore is missing): archive_command fails, PostgreSQL keeps the segments. */
  archiveHeld?: string;
  /** spec.backup.retentionPolicy, enforced by the primary. */
  retentionPolicy?: string;
  /** An ObjectStore's instanceSidecarConfiguration.retentionPolicyIntervalSeconds (retention-schedule.ts); absent in the in-tree form. */
  retentionIntervalSeconds?: number;
  /**
   * A Pooler with built-in authentication fronts the cluster: the primary keeps the role
   * cnpg_pooler_pgbouncer and public.user_search, and pg_hba lets that role in by certificate.
   * Absent or false: the primary removes them.
   */
  poolerAuth?: boolean;
  monitoring?: MonitoringSpec;
  /** spec.smartShutdownTimeout, stopDelay, switchoverDelay and postgresql.promotionTimeout; absent: the defaults. */
  timings?: InstanceTimings;
  /** The external clusters the bootstrap or replica section names, without their secrets (those are in credentials.json). */
  externalSources?: ExternalSource[];
  /** spec.replica, on the primary only: a designated primary following another cluster, or one promoting out of it. */
  replicaCluster?: ReplicaClusterSpec;
  /** Preloaded libraries, declared extensions and enableAlterSystem; absent: none, and ALTER SYSTEM refused. */
  libraries?: LibrariesSpec;
  /** Where the platform mounts declared extensions (a Pod: /extensions); absent: each names its own folder. */
  extensionsRoot?: string;
  /** spec.walStorage and spec.tablespaces, placed by the platform (storage-layout.ts). */
  storage?: StorageLayout;
  /** spec.primaryLease (primary-lease.ts); absent: no lease (a replica cluster, whose designated primary takes no writes). */
  primaryLease?: PrimaryLeaseSpec;
}

/** spec.primaryLease, in seconds (CloudNativePG's defaults: 15, 10, 2 and 1; see primary-lease.ts). */
export interface LeaseTimings {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  releasedLeaseDurationSeconds: number;
}

export interface PrimaryLeaseSpec extends LeaseTimings {
  /** Locally: the lease file beside the cluster's instances. Absent: the Kubernetes Lease named after the cluster. */
  file?: string;
}

export interface Credentials {
  app?: { username: string; password: string };
  superuserPassword?: string;
  replicationPassword: string;
  rolePasswords: Record<string, string>;
  /** The resourceVersion of each managed role's password Secret read for rolePasswords; absent when none. */
  rolePasswordVersions?: Record<string, string>;
  /** Bearer token the operator presents on the manager's mutating endpoints. */
  managerToken: string;
  /** Object store credentials: this cluster's archive, and the store a recovery reads from. */
  stores?: { archive?: StoreSecrets; recovery?: StoreSecrets; replica?: StoreSecrets };
  /** The Secrets' values of InstanceSpec.externalSources, by external cluster name. */
  externalSources?: Record<string, ExternalSecrets>;
  /** PEM: the server certificate and key PostgreSQL serves, and the CA client certificates are checked against. */
  tls?: TlsMaterial;
  /** The value of spec.postgresql.ldap.bindSearchAuth.bindPassword; pg_hba.conf holds it as ldapbindpasswd. */
  ldapBindPassword?: string;
  /** Which passwords' Secrets carry cnpg.io/passwordPassthrough: "enabled"; absent when none do. */
  passwordPassthrough?: PasswordPassthrough;
}

/** Sent as given, not SCRAM-encoded first: the application owner's, the superuser's, these managed roles'. */
export interface PasswordPassthrough {
  app?: true;
  superuser?: true;
  roles?: string[];
}

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
}
