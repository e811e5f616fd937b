// Pure: which object stores a Cluster archives to and recovers from, as the instance manager
// needs them (settings only; secrets are resolved separately by store-secrets.ts).
import type { Cluster } from '../api/index.js';
import type { BarmanObjectStore } from '../api/barman.js';
import { barmanArgs } from '../api/barman-store-args.js';
import type { BackupStatus } from '../api/backup.js';
import type { RecoveryBootstrap, StoreSpec } from '../instance/spec.js';
import type { ObjectPolicy } from '../objectstore/index.js';

/** What a completed Backup records about where it went (copied from the Cluster when it ran). */
export interface BackupLocation {
  destinationPath: string;
  serverName: string;
  endpointURL?: string;
  backupId: string;
  s3Credentials?: BarmanObjectStore['s3Credentials'];
  azureCredentials?: BarmanObjectStore['azureCredentials'];
  googleCredentials?: BarmanObjectStore['googleCredentials'];
  endpointCA?: BarmanObjectStore['endpointCA'];
}

/** A completed Backup's status as a BackupLocation (the Secret references it recorded, never values). */
export function backupLocationOf(s: BackupStatus): BackupLocation | undefined {
  if (s.phase !== 'completed' || !s.destinationPath || !s.serverName || !s.backupId) return undefined;
  return {
    destinationPath: s.destinationPath,
    serverName: s.serverName,
    endpointURL: s.endpointURL,
    backupId: s.backupId,
    s3Credentials: s.s3Credentials as BackupLocation['s3Credentials'],
    azureCredentials: s.azureCredentials as BackupLocation['azureCredentials'],
    googleCredentials: s.googleCredentials as BackupLocation['googleCredentials'],
    endpointCA: s.endpointCA as BackupLocation['endpointCA'],
  };
}

/** barman-cloud's own rules for what is written: data and WAL encryption, tags, history tags. */
function objectPolicy(store: BarmanObjectStore): ObjectPolicy | undefined {
  const partSize = barmanArgs(store, '').settings.partSizeBytes;
  const policy: ObjectPolicy = {
    ...(store.wal?.encryption ? { walEncryption: store.wal.encryption } : {}),
    ...(store.data?.encryption ? { dataEncryption: store.data.encryption } : {}),
    ...(store.tags && Object.keys(store.tags).length > 0 ? { tags: store.tags } : {}),
    ...(store.historyTags && Object.keys(store.historyTags).length > 0 ? { historyTags: store.historyTags } : {}),
    ...(partSize === undefined ? {} : { dataPartSizeBytes: partSize }),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

const BARMAN_DEFAULT_JOBS = 2;

export function storeSpec(store: BarmanObjectStore, defaultServerName: string): StoreSpec {
  const readTimeout = barmanArgs(store, '').settings.readTimeoutSeconds;
  return {
    destinationPath: store.destinationPath,
    serverName: store.serverName ?? defaultServerName,
    endpointURL: store.endpointURL,
    walCompression: store.wal?.compression,
    walMaxParallel: store.wal?.maxParallel ?? 1,
    ...(store.wal?.maxParallel === undefined ? {} : { walPrefetch: store.wal.maxParallel }),
    dataCompression: store.data?.compression,
    dataJobs: store.data?.jobs ?? BARMAN_DEFAULT_JOBS,
    immediateCheckpoint: store.data?.immediateCheckpoint ?? false,
    // Left out when none, so the spec (and its hash) of a store without them stays what it was.
    ...(objectPolicy(store) ? { objects: objectPolicy(store) } : {}),
    ...(readTimeout === undefined ? {} : { readTimeoutSeconds: readTimeout }),
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
      store: {
        destinationPath: backup.destinationPath,
        endpointURL: backup.endpointURL,
        s3Credentials: backup.s3Credentials,
        azureCredentials: backup.azureCredentials,
        googleCredentials: backup.googleCredentials,
        endpointCA: recovery.backup.endpointCA ?? backup.endpointCA,
      },
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
