// An instance's status as /pg/status reports it: what the manager knows, and what PostgreSQL itself
// says about the instance (role, timeline, WAL positions, replication; src/postgres/facts.ts).
import { readPostgresFacts, type PostgresFacts, type ReplicationInfo } from '../postgres/facts.js';
import type { RecoveryProgress } from './bootstrap.js';
import type { CatalogSummary } from './catalog.js';
import { withConnection, type SocketTarget } from './db.js';
import type { PromotionState } from './designated-primary.js';
import type { ManagedRolesReport } from './managed-roles.js';
import type { InstanceSpec } from './spec.js';
import type { StorageStatus } from './storage-keeper.js';
import type { TablespaceState } from '../api/cluster-status.js';
import type { ArchivingStatus } from './wal-archiver.js';
import type { WalReceiverRecord } from './wal-receiver-watch.js';
import { postgresEnvironment } from './extension-environment.js';

export type { ReplicationInfo };

export type InstancePhase = 'bootstrapping' | 'starting' | 'running' | 'restarting' | 'demoting' | 'stopped' | 'rejoining' | 'fenced' | 'isolated' | 'failed';

/** PostgreSQL's own facts are absent while it is down or does not answer. */
export interface InstanceStatus extends Partial<PostgresFacts> {
  name: string;
  managerPid: number;
  postmasterPid?: number;
  phase: InstancePhase;
  postgresRunning: boolean;
  ready: boolean;
  pendingRestart: boolean;
  fenced?: boolean;
  isolationReason?: string;
  appliedGeneration?: number;
  port: number;
  pgdata: string;
  replicationInfo: ReplicationInfo[];
  lastError?: string;
  /** Continuous archiving to the cluster's object store, when one is configured. */
  archiving?: ArchivingStatus;
  /** The store's backup catalog as the primary last saw it. */
  catalog?: CatalogSummary;
  /** What a recovery bootstrap is doing, while it runs. */
  recovery?: { backupId?: string; restoredWalFiles: number; lastError?: string };
  /** A replica cluster's primary, in recovery: following its source, or promoting out of replica mode. */
  designatedPrimary?: boolean;
  /** Written when this primary was demoted (its shutdown checkpoint), until it is promoted again. */
  demotionToken?: string;
  /** A promotion out of replica mode that waits for its token, or was refused. */
  replicaPromotion?: PromotionState;
  /** The WAL a designated primary fetched from its source's object store. */
  sourceWal?: { restoredWalFiles: number; lastError?: string };
  /** spec.tablespaces as this primary last reconciled them. */
  tablespaces?: TablespaceState[];
  /** A primary's spec.managed.roles as of its last pass (absent while none is declared). */
  managedRoles?: ManagedRolesReport;
  /** A standby's stream from its primary since its PostgreSQL started (wal-receiver-watch.ts); absent: it never heard from it. */
  walReceiver?: WalReceiverRecord;
}

/** What the manager knows without asking PostgreSQL. */
export interface ManagerView {
  spec: Pick<InstanceSpec, 'name' | 'role' | 'fenced' | 'pgPort' | 'restartRequest' | 'env' | 'replicaCluster'>;
  pgdata: string;
  phase: InstancePhase;
  postmasterPid?: number;
  /** When this manager started (or adopted) the postmaster: its start when PostgreSQL cannot be asked. */
  postmasterStartedAt?: string;
  postgresRunning: boolean;
  isolationReason?: string;
  appliedGeneration?: number;
  lastError?: string;
  recovery?: RecoveryProgress;
  archive: Pick<InstanceStatus, 'archiving' | 'catalog'>;
  /** The restart request current when the postmaster last started. */
  startedForRestart?: string;
  /** environmentKey(spec.env) when PostgreSQL was started by this manager. */
  startedWithEnv?: string;
  replicaCluster?: Pick<InstanceStatus, 'demotionToken' | 'replicaPromotion' | 'sourceWal'>;
  storage?: StorageStatus;
  managedRoles?: ManagedRolesReport;
}

/** The manager's view, plus what PostgreSQL says of itself when it can be asked. */
export async function instanceStatus(view: ManagerView, socket: SocketTarget): Promise<InstanceStatus> {
  const { spec } = view;
  const base: InstanceStatus = {
    name: spec.name,
    managerPid: process.pid,
    postmasterPid: view.postmasterPid,
    postmasterStartTime: view.postmasterStartedAt,
    phase: view.phase,
    postgresRunning: view.postgresRunning,
    ready: false,
    pendingRestart: false,
    fenced: spec.fenced,
    isolationReason: view.isolationReason,
    appliedGeneration: view.appliedGeneration,
    port: spec.pgPort,
    pgdata: view.pgdata,
    replicationInfo: [],
    lastError: view.lastError,
  };
  if (view.recovery) {
    const { backupId, restorer } = view.recovery;
    base.recovery = { backupId, restoredWalFiles: restorer.restored, lastError: restorer.lastError };
  }
  Object.assign(base, view.archive, view.replicaCluster);
  if (view.storage?.tablespaces) base.tablespaces = view.storage.tablespaces;
  if (view.managedRoles) base.managedRoles = view.managedRoles;
  if (!view.postgresRunning || view.phase === 'bootstrapping') return base;
  try {
    const facts = await withConnection(socket, 'postgres', readPostgresFacts, 1000);
    // A replica cluster's primary runs in recovery until it is promoted out of replica mode.
    const designatedPrimary = spec.role === 'primary' && spec.replicaCluster !== undefined && facts.isPrimary === false;
    const roleMatches = facts.isPrimary === (spec.role === 'primary') || designatedPrimary;
    // A new spec.env (or extension variable) reaches PostgreSQL only when it starts again.
    const envChanged = view.startedWithEnv !== undefined && view.startedWithEnv !== environmentKey(postgresEnvironment(spec, process.env));
    const restartAsked = (spec.restartRequest !== undefined && spec.restartRequest !== view.startedForRestart) || envChanged || view.storage?.walAwaitsMove === true;
    return {
      ...base,
      ...facts,
      ...(designatedPrimary ? { designatedPrimary } : {}),
      pendingRestart: facts.pendingRestart || restartAsked,
      ready: view.phase === 'running' && roleMatches,
    };
  } catch (e) {
    return { ...base, lastError: (e as Error).message };
  }
}

/** spec.env as one comparable string. */
export function environmentKey(env: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(env ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}
