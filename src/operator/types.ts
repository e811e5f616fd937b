// The vocabulary between observe, decide and act. Platforms execute Actions; they never decide.
import type { BackupVerification } from '../api/backup-verification.js';
import type { ClusterStatus } from '../api/cluster-status.js';
import type { Credentials, InstanceRole, InstanceSpec, PeerEndpoint, RecoveryBootstrap, SnapshotBootstrap } from '../instance/spec.js';
import type { InstanceStatus } from '../instance/status.js';
import type { StorageConfig } from '../instance/storage-layout.js';
import type { MonitoringQuery } from '../api/monitoring-queries.js';

/** The platform-independent part of an instance's spec; the platform adds ports, paths and binaries. */
export type InstanceConfig = Pick<
  InstanceSpec,
  | 'role'
  | 'slotName'
  | 'bootstrap'
  | 'major'
  | 'postgresVersion'
  | 'parameters'
  | 'pgHba'
  | 'pgIdent'
  | 'ldap'
  | 'localRoles'
  | 'replicationSlots'
  | 'enableSuperuserAccess'
  | 'managedRoles'
  | 'synchronousStandbyNames'
  | 'fenced'
  | 'restartRequest'
  | 'reloadRequest'
  | 'archive'
  | 'archiveHeld'
  | 'retentionPolicy'
  | 'retentionIntervalSeconds'
  | 'poolerAuth'
  | 'monitoring'
  | 'isolationCheck'
  | 'logLevel'
  | 'env'
  | 'timings'
  | 'externalSources'
  | 'replicaCluster'
  | 'libraries'
  | 'primaryLease'
> & { primaryName?: string; storage?: StorageConfig };

export type ClusterCredentials = Omit<Credentials, 'managerToken'>;

/** What the controller hands an instance; the hashes are the controller's, platforms only record them. */
export interface InstanceHandout {
  config: InstanceConfig;
  credentials: ClusterCredentials;
  /** configHash(config), recorded by the platform and reported back as ObservedInstance.configHash. */
  configHash: string;
  /** credentialsHash(credentials), recorded and reported back likewise. */
  credentialsHash: string;
}

export interface ObservedInstance {
  name: string;
  serial: number;
  /** The manager process is alive (a Pod that exists and runs). */
  running: boolean;
  /** Hash of the InstanceConfig last handed to this instance, as the controller computed it. */
  configHash?: string;
  /** Hash of the credentials last handed to this instance, as the controller computed it. */
  credentialsHash?: string;
  /** The peers' managers the platform last told this instance of; undefined when it kept no record of them. */
  peersToldOf?: PeerEndpoint[];
  /** The peers' managers the platform would tell it of now; undefined where the platform does not say. */
  peersNow?: PeerEndpoint[];
  role?: InstanceRole;
  status?: InstanceStatus;
  statusError?: string;
  /** `refused`: nothing listened; `timeout`: no answer in time; anything else is `error`. */
  statusErrorKind?: StatusErrorKind;
  /** The machine (Kubernetes node) the instance runs on, where the platform knows it. */
  node?: string;
  /** That node's labels, where the platform read them (undefined: not read, or no node yet). */
  nodeLabels?: Record<string, string>;
  /** The instance's own labels (its Pod's metadata.labels), where the platform reports them. */
  podLabels?: Record<string, string>;
  /** Its Pod waits for a node it cannot be scheduled on (a drained node holding its volume). */
  unschedulable?: boolean;
  /**
   * Whether the platform itself counts it ready (a Pod's Ready condition, from its readiness probe,
   * which is what puts it behind a Service); undefined where the platform has no such notion.
   */
  platformReady?: boolean;
  /** When the manager process started, where the platform knows it. */
  managerStartedAt?: string;
  /** With the manager not running: whether its postmaster still does (a manager killed alone). */
  postmasterRunning?: boolean;
  /** A digest of what runs the instance (a Pod's spec) as it was made; undefined where the platform keeps none. */
  runtimeSpecHash?: string;
  /** The same digest as the platform would make it from the Cluster now: a difference rolls the instance. */
  runtimeSpecHashNow?: string;
  /** The exact PostgreSQL build the instance runs ("16.13"), where the platform chooses builds (locally). */
  postgresVersion?: string;
  /** The major of the instance's data (its PG_VERSION), where the platform reads it. */
  dataMajor?: number;
  /** The last major upgrade of this instance's data that failed, as the platform recorded it (see upgradeMajor). */
  majorUpgradeFailure?: MajorUpgradeFailure;
  /** The sizes the instance's volumes were given, where the platform sizes them (PVC storage requests). */
  volumes?: ObservedVolume[];
}

export interface MajorUpgradeFailure {
  targetMajor: number;
  /** The Cluster's metadata.generation the upgrade was tried at: a later spec tries again. */
  generation: number;
  stage: 'prepare' | 'check' | 'upgrade';
  reason: string;
}

export type VolumeRole = 'PG_DATA' | 'PG_WAL' | 'PG_TABLESPACE';

export interface ObservedVolume {
  role: VolumeRole;
  /** Which of spec.tablespaces a PG_TABLESPACE volume holds. */
  tablespace?: string;
  /** The storage request, a Kubernetes quantity. */
  size: string;
}

export type StatusErrorKind = 'refused' | 'timeout' | 'error';

export interface ObservedCluster {
  instances: ObservedInstance[];
  /** Names of Secrets that exist in the cluster's namespace. */
  secrets: Set<string>;
  /** Hash of the credentials the cluster's Secrets hold now; undefined until they exist. */
  credentialsHash?: string;
  now: Date;
  /** Since when this operator has been watching: evidence from before it counts from here. */
  observingSince?: Date;
  /**
   * The primary lease's record as this operator watches it: for how long it has seen the record
   * unchanged, by its own clock. Absent where the platform does not read it (or there is none).
   */
  primaryLease?: { holder: string; unchangedForMs: number; leaseDurationMs: number };
  /** bootstrap.recovery resolved against the Cluster's external clusters or the named Backup. */
  recovery?: RecoveryBootstrap | SnapshotBootstrap | { error: string };
  /** The Cluster's Backup objects, newest last, for the LastBackupSucceeded condition. */
  backups?: ObservedBackup[];
  /** What the Secrets of the Cluster's TLS hold, by Secret name; a missing or unreadable one is absent. */
  certificates?: Record<string, ObservedCertificate>;
  /** Hosts the platform's endpoints are reached at, which the server certificate must name too. */
  endpointHosts?: string[];
  /** The image the platform runs for a Cluster that names none, recorded once in status.image. */
  defaultImage?: string;
  /** A Pooler with built-in authentication names this Cluster: its role, lookup function and certificate are kept. */
  poolerIntegration?: boolean;
  /** spec.monitoring's queries resolved against the ConfigMaps and Secrets it names; absent: the defaults alone. */
  monitoring?: ResolvedQueries;
  /** The Cluster's PodMonitor; absent where the platform has none. */
  podMonitor?: ObservedPodMonitor;
  /** The build the Cluster's version resolves to, where the platform chooses builds (locally); absent on Kubernetes, where the image decides. */
  postgresBuild?: PostgresBuildState;
  /** Serials whose data was kept by `destroy --keep-pvc` under the instance's name (a detached PVC): not given to a new instance. */
  keptSerials?: number[];
}

/** Where obtaining the Cluster's PostgreSQL build stands: a first fetch takes a while and happens in the background. */
export type PostgresBuildState =
  | { state: 'ready'; requested: string; version: string; note?: string; fetched?: boolean }
  | { state: 'fetching'; requested: string }
  | { state: 'failed'; requested: string; message: string };

/** What the platform sees of a Cluster's PodMonitor (the Prometheus operator's monitoring.coreos.com/v1). */
/** spec.monitoring's documents resolved (operator/monitoring.ts): the queries to run and what is wrong with the rest. */
export interface ResolvedQueries {
  queries: MonitoringQuery[];
  problems: string[];
}

export interface ObservedPodMonitor {
  /** The PodMonitor kind is served: the Prometheus operator's CRD is installed. */
  kindServed: boolean;
  /** The Cluster's own PodMonitor exists. */
  exists: boolean;
}

export interface ObservedCertificate {
  subject: string;
  notAfter: Date;
  /** DNS names and IP addresses it is valid for. */
  names: string[];
  /** The Secret also holds the certificate's private key, and the key belongs to it. */
  hasKey: boolean;
  /** Server certificates: signed by the Cluster's server CA as it is now. */
  issuedByServerCA?: boolean;
  /** Client certificates (`X-pooler`): signed by the Cluster's client CA as it is now. */
  issuedByClientCA?: boolean;
}

export type CertificateRequest =
  /** `keepKey`: a renewal re-signs the CA's key, so the certificates it signed stay valid. */
  | { certificate: 'authority'; subject: string; keepKey: boolean }
  | { certificate: 'server'; authority: string; commonName: string; names: string[] }
  | { certificate: 'client'; authority: string; commonName: string };

export interface ObservedBackup {
  name: string;
  phase?: string;
  error?: string;
  stoppedAt?: string;
  /** Its last restore drill (verification-plan.ts). */
  verification?: BackupVerification;
}

export type SecretRole = 'app' | 'superuser' | 'replication';

export type Action =
  | { kind: 'ensureSecret'; role: SecretRole; name: string; username: string; dbname: string; sourceSecret?: string }
  | { kind: 'deleteSecret'; name: string }
  /** Issued at `issuedAt`, so the plan knows the expiry the new certificate will have. */
  | { kind: 'issueCertificate'; name: string; issuedAt: string; request: CertificateRequest }
  | { kind: 'createInstance'; name: string; serial: number; config: InstanceConfig }
  | { kind: 'configureInstance'; name: string; config: InstanceConfig }
  | { kind: 'startInstance'; name: string; config: InstanceConfig }
  | { kind: 'restartPostgres'; name: string }
  /** Stops an instance as a Pod deletion does; the next reconcile starts it again on its data. */
  | { kind: 'stopInstance'; name: string }
  /** Grows an instance's volume to the size its storage spec asks for; the instance keeps running. */
  | { kind: 'resizeVolume'; name: string; role: VolumeRole; tablespace?: string; size: string }
  /** spec.monitoring.enablePodMonitor: the Cluster's PodMonitor made as the spec says, or removed. */
  | { kind: 'applyPodMonitor' }
  | { kind: 'removePodMonitor' }
  | { kind: 'removeInstance'; name: string; /** destroy --keep-pvc: the data stays, detached from the Cluster. */ keepData?: boolean }
  /**
   * pg_upgrade on a stopped instance's data to the major of `config`, with the binaries its data last
   * ran as the old ones; the platform records a failure for observe() (majorUpgradeFailure) and
   * leaves the old data startable. `generation`: the Cluster's, recorded with a failure.
   */
  | { kind: 'upgradeMajor'; name: string; generation: number; config: InstanceConfig }
  | { kind: 'isolateInstance'; name: string }
  | { kind: 'promoteInstance'; name: string; config: InstanceConfig }
  | { kind: 'switchover'; from: string; to: string; fromConfig: InstanceConfig; toConfig: InstanceConfig }
  | { kind: 'clearAnnotation'; key: string }
  | { kind: 'setAnnotation'; key: string; value: string }
  | { kind: 'routeEndpoints'; rw: string[]; ro: string[]; r: string[] }
  | { kind: 'recordEvent'; type: 'Normal' | 'Warning'; reason: string; message: string };

export interface Plan {
  actions: Action[];
  status: ClusterStatus;
  /** Ask to be called again this soon even if nothing changes (work in progress). */
  requeueAfterMs?: number;
}
