// Cluster .status as the operator writes it; field names follow CloudNativePG's where they exist.

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface LocalEndpoint {
  host: string;
  port: number;
}

/** Field names follow CloudNativePG's FailoverQuorumStatus. */
export interface FailoverQuorumRecord {
  method: string;
  standbyNames: string[];
  standbyNumber: number;
  primary: string;
}

export interface ClusterStatus {
  phase?: string;
  phaseReason?: string;
  instances?: number;
  readyInstances?: number;
  instanceNames?: string[];
  instancesStatus?: Record<string, string[]>;
  instancesReportedState?: Record<string, { isPrimary: boolean; timeLineID?: number }>;
  currentPrimary?: string;
  currentPrimaryTimestamp?: string;
  /** When the primary was first seen failing; failoverDelay counts from here. */
  currentPrimaryFailingSinceTimestamp?: string;
  /**
   * With failoverQuorum: the synchronous replication the primary last ran, as it reported it (the
   * status of CloudNativePG's FailoverQuorum object); absent while unknown, which holds failovers.
   */
  failoverQuorum?: FailoverQuorumRecord;
  targetPrimary?: string;
  targetPrimaryTimestamp?: string;
  timelineID?: number;
  systemID?: string;
  latestGeneratedNode?: number;
  writeService?: string;
  readService?: string;
  image?: string;
  /** The image and major the data was last run with (CloudNativePG's field): what a major upgrade starts from. */
  pgDataImageInfo?: ImageInfo;
  /** While a major upgrade runs: where it goes (CloudNativePG's field). */
  targetPgDataImageInfo?: ImageInfo;
  /** The exact PostgreSQL version the primary runs ("16.13"), as it reports it. */
  postgresVersion?: string;
  /** Where the platform chooses builds (locally): how the Cluster's version was resolved when not as asked ("16.1 resolved to 16.13"), or why it cannot be. */
  postgresResolution?: string;
  conditions?: Condition[];
  /** Local platform: the TCP endpoints standing in for the rw/ro/r Services. */
  localEndpoints?: Record<'rw' | 'ro' | 'r', LocalEndpoint>;
  secretsResourceVersion?: Record<string, string>;
  certificates?: CertificatesStatus;
  /** Oldest moment a recovery can target, from the backups the store holds. */
  firstRecoverabilityPoint?: string;
  lastSuccessfulBackup?: string;
  lastFailedBackup?: string;
  observedGeneration?: number;
  /** Where the instances run (CloudNativePG's field); `instances`: each one's failure domain labels, while synchronous failure domain keys are set. */
  topology?: { nodesUsed: number; successfullyExtracted: boolean; instances?: Record<string, Record<string, string>> };
  /** Managed roles the operator cannot bring to their declared state, and why (CloudNativePG's field). */
  managedRolesStatus?: ManagedRolesStatus;
  /** spec.tablespaces as the primary last reconciled them (CloudNativePG's field). */
  tablespacesStatus?: TablespaceState[];
  /** Distributed topology (CloudNativePG's fields): the token of this cluster's demotion, for the other site to promote with. */
  demotionToken?: string;
  /** The spec.replica.promotionToken this cluster was last promoted with. */
  lastPromotionToken?: string;
  /** spec.podSelectorRefs resolved: each selector's Pod addresses (CloudNativePG's field). */
  podSelectorRefs?: PodSelectorRefStatus[];
}

export interface TablespaceState {
  name: string;
  owner?: string;
  state: 'reconciled' | 'pending';
  error?: string;
}

export interface ImageInfo {
  image: string;
  majorVersion: number;
}

/** CloudNativePG's ManagedRoles status: role names by state, what could not be done, and what was applied. */
export interface ManagedRolesStatus {
  byStatus?: Partial<Record<'reconciled' | 'not-managed' | 'pending-reconciliation' | 'reserved', string[]>>;
  cannotReconcile?: Record<string, string[]>;
  /** Per role, the pg_authid row's xmin after it was last applied and the password Secret's resourceVersion. */
  passwordStatus?: Record<string, { transactionID?: number; resourceVersion?: string }>;
}

/** The certificate Secrets in effect, as CloudNativePG reports them. */
export interface CertificatesStatus {
  serverCASecret: string;
  serverTLSSecret: string;
  clientCASecret: string;
  replicationTLSSecret?: string;
  serverAltDNSNames?: string[];
  /** Secret name → when its certificate expires, in Go's time format as CloudNativePG writes it. */
  expirations: Record<string, string>;
}

import type { Cluster } from './cluster.js';
import type { PodSelectorRefStatus } from './pod-selectors.js';

/** A Cluster as stored: its validated spec plus whatever status the operator last wrote. */
export type StoredCluster = Cluster & { status?: ClusterStatus };
