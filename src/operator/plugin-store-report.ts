// Glue: reports what the Barman Cloud plugin's form found on the Cluster (a missing ObjectStore)
// and on the ObjectStore (status.serverRecoveryWindow of the Cluster's server folder).
import type { ClusterStatus, StoredCluster } from '../api/cluster-status.js';
import type { StoredObjectStore } from '../api/object-store.js';
import type { Platform } from './platform.js';
import type { PluginStores } from './plugin-stores.js';
import { objectStoreStatusUpdate, recoveryWindowTarget, withMissingArchiveCondition } from './plugin-store-status.js';

export async function reportPluginStores(platform: Platform, plugin: PluginStores<StoredCluster>, status: ClusterStatus): Promise<ClusterStatus> {
  const { cluster } = plugin;
  const namespace = cluster.metadata.namespace ?? 'default';
  const previous = cluster.status ?? {};
  const next = withMissingArchiveCondition(status, previous, plugin.missing, namespace, new Date().toISOString());
  const said = (s: ClusterStatus) => s.conditions?.find((c) => c.type === 'ContinuousArchiving' && c.reason === 'ObjectStoreNotFound')?.message;
  const message = said(next);
  if (message && message !== said(previous)) await platform.events.record(cluster, 'Warning', 'ObjectStoreNotFound', message);
  const target = recoveryWindowTarget(plugin, next);
  if (target) {
    const objectStore = (await platform.store.get('ObjectStore', namespace, target.objectStore)) as StoredObjectStore | undefined;
    const update = objectStore && objectStoreStatusUpdate(objectStore, target.serverName, target.window);
    // Best effort: the Cluster's own status must not wait on it; the next reconcile writes it again.
    if (update) await platform.store.updateStatus('ObjectStore', namespace, target.objectStore, update).catch(() => undefined);
  }
  return next;
}
