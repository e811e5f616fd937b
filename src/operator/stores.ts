// Pure: which object stores a Cluster archives to and recovers from, as the instance manager
// needs them (settings only; secrets are resolved separately by store-secrets.ts).
import type { Cluster } from '../api/index.js';
import type { BarmanObjectStore } from '../api/barman.js';
import type { RecoveryBootstrap, StoreSpec } from '../instance/spec.js';

/** What a completed Backup records about where it went (copied from the Cluster when it ran). */
export interface BackupLocation {
  destinationPath: string;
  serverName: string;
  endpointURL?: string;
  backupId: string;
  s3Credentials?: BarmanObjectStore['s3Credentials'];
  endpointCA?: BarmanObjectStore['endpointCA'];
}

const BARMAN_DEFAULT_JOBS = 2;

export function storeSpec(store: BarmanObjectStore, defaultServerName: string): StoreSpec {
  return {
    destinationPath: store.destinationPath,
    serverName: store.serverName ?? defaultServerName,
    endpointURL: store.endpointURL,
    walCompression: store.wal?.compression,
    walMaxParallel: store.wal?.maxParallel ?? 1,
    dataCompression: store.data?.compression,
    dataJobs: store.data?.jobs ?? BARMAN_DEFAULT_JOBS,
    immediateCheckpoint: store.data?.immediateCheckpoint ?? false,
  };
}

export function archiveStore(cluster: Cluster): StoreSpec | undefined {
  const store = cluster.spec.backup?.barmanObjectStore;
  return store ? storeSpec(store, cluster.metadata.name) : undefined;
}

/** The barmanObjectStore a recovery reads from: an external cluster's, or a named Backup's. */
export function recoveryObjectStore(cluster: Cluster, backup?: BackupLocation): { store: BarmanObjectStore; serverName: string } | { error: string } {
  const recovery = cluster.spec.bootstrap?.recovery;
  if (!recovery) return { error: 'the Cluster has no bootstrap.recovery' };
  if (recovery.backup) {
    if (!backup) return { error: `Backup ${recovery.backup.name} (bootstrap.recovery.backup) does not exist or has not completed` };
    return {
      store: { destinationPath: backup.destinationPath, endpointURL: backup.endpointURL, s3Credentials: backup.s3Credentials, endpointCA: recovery.backup.endpointCA ?? backup.endpointCA },
      serverName: backup.serverName,
    };
  }
  if (!recovery.source) return { error: 'bootstrap.recovery needs backup or source (volume snapshots are not supported)' };
  const external = cluster.spec.externalClusters?.find((e) => e.name === recovery.source);
  if (!external) return { error: `bootstrap.recovery.source ${recovery.source} is not among spec.externalClusters` };
  const store = external.barmanObjectStore as BarmanObjectStore | undefined;
  if (!store && external.plugin) {
    return { error: `external cluster ${recovery.source} names ObjectStore ${external.plugin.parameters?.['barmanObjectName'] ?? '(none)'} (plugin.parameters.barmanObjectName), which does not exist in this namespace` };
  }
  if (!store) return { error: `external cluster ${recovery.source} has no barmanObjectStore to recover from` };
  // As in CloudNativePG, the external cluster's name is the server folder unless serverName says otherwise.
  return { store, serverName: store.serverName ?? recovery.source };
}

export function recoveryBootstrap(cluster: Cluster, backup?: BackupLocation): RecoveryBootstrap | { error: string } {
  const recovery = cluster.spec.bootstrap?.recovery;
  const source = recoveryObjectStore(cluster, backup);
  if ('error' in source) return source;
  const database = recovery?.database ?? 'app';
  const target = { ...(recovery?.recoveryTarget ?? {}) };
  if (recovery?.backup && backup) target.backupID = backup.backupId;
  return {
    kind: 'recovery',
    source: storeSpec(source.store, source.serverName),
    target: Object.keys(target).length > 0 ? target : undefined,
    database,
    owner: recovery?.owner ?? database,
  };
}
