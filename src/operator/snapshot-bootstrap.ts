// Pure: bootstrap.recovery.volumeSnapshots as the new primary's manager gets it.
import type { Cluster } from '../api/index.js';
import type { RecoveryBootstrap, SnapshotBootstrap } from '../instance/spec.js';
import { recoveryObjectStore, storeSpec } from './stores.js';

export function snapshotBootstrap(cluster: Cluster, snapshotsAvailable: boolean): SnapshotBootstrap | { error: string } {
  const recovery = cluster.spec.bootstrap?.recovery;
  const refs = recovery?.volumeSnapshots;
  if (!recovery || !refs) return { error: 'the Cluster has no bootstrap.recovery.volumeSnapshots' };
  if (!snapshotsAvailable) return { error: 'volume snapshots are not available on this platform yet (bootstrap.recovery.volumeSnapshots)' };
  let source: SnapshotBootstrap['source'];
  if (recovery.source) {
    const store = recoveryObjectStore(cluster);
    if ('error' in store) return store;
    source = storeSpec(store.store, store.serverName);
  }
  const tablespaces = Object.entries(refs.tablespaceStorage ?? {});
  const database = recovery.database ?? 'app';
  return {
    kind: 'snapshot',
    snapshots: {
      storage: refs.storage.name,
      ...(refs.walStorage ? { walStorage: refs.walStorage.name } : {}),
      ...(tablespaces.length > 0 ? { tablespaceStorage: Object.fromEntries(tablespaces.map(([t, r]) => [t, r.name])) } : {}),
    },
    ...(source ? { source } : {}),
    ...(recovery.recoveryTarget && Object.keys(recovery.recoveryTarget).length > 0 ? { target: { ...recovery.recoveryTarget } } : {}),
    database,
    owner: recovery.owner ?? database,
  };
}

/** How the first instance is made, for the Cluster's phase reason. */
export function recoveryDescription(recovery: RecoveryBootstrap | SnapshotBootstrap): string {
  if (recovery.kind === 'snapshot') return `recovery from volume snapshot ${recovery.snapshots.storage}${recovery.source ? ` and server ${recovery.source.serverName}'s archive` : ''}`;
  return `recovery from ${recovery.source.destinationPath} server ${recovery.source.serverName}`;
}
