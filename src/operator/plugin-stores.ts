// The Barman Cloud plugin's form (spec.plugins, externalClusters[].plugin and an ObjectStore) as
// the in-tree form the archiver, base backups, retention and recovery already read: the Cluster
// with spec.backup.barmanObjectStore and externalClusters[].barmanObjectStore filled in from the
// ObjectStores it names. Server folders default as the plugin's do (to the Cluster's own name),
// so a bucket written by either form reads the same.
import type { Cluster } from '../api/index.js';
import type { BarmanObjectStore } from '../api/barman.js';
import { BARMAN_CLOUD_PLUGIN } from '../api/barman-plugin.js';
import type { ObjectStore } from '../api/object-store.js';
import type { ResourceStore } from './platform.js';

/** An ObjectStore a Cluster names that does not exist (yet): what it was meant for goes undone. */
export interface MissingObjectStore {
  /** The field naming it, e.g. `spec.plugins[0].parameters.barmanObjectName`. */
  field: string;
  name: string;
}

export interface PluginStores<C> {
  cluster: C;
  missing: MissingObjectStore[];
  /** The ObjectStore WAL and base backups go to, and the server folder there. */
  archive?: { objectStore: string; serverName: string };
}

interface PluginEntry {
  name: string;
  enabled?: boolean | undefined;
  parameters?: Record<string, string> | undefined;
}

const isBarman = (plugin: PluginEntry | undefined): plugin is PluginEntry => plugin?.name === BARMAN_CLOUD_PLUGIN && plugin.enabled !== false;

function archiverEntry(cluster: Cluster): { plugin: PluginEntry; index: number } | undefined {
  const index = (cluster.spec.plugins ?? []).findIndex((p) => isBarman(p) && p.isWALArchiver);
  const plugin = cluster.spec.plugins?.[index];
  return plugin ? { plugin, index } : undefined;
}

/** Whether the Barman Cloud plugin is the Cluster's WAL archiver (spec.plugins). */
export function archivesThroughPlugin(cluster: Cluster): boolean {
  return archiverEntry(cluster) !== undefined;
}

/**
 * The Barman Cloud plugin archives but its ObjectStore was not found (resolvePluginStores left no
 * barmanObjectStore): the instances keep their WAL until it exists, as the plugin's failing
 * archive_command would. Absent otherwise, so other Clusters' configuration hashes stay as they were.
 */
export function heldArchive(cluster: Cluster): { archiveHeld?: string } {
  const name = archiverEntry(cluster)?.plugin.parameters?.['barmanObjectName'];
  return name && !cluster.spec.backup?.barmanObjectStore ? { archiveHeld: `ObjectStore ${name} does not exist` } : {};
}

/**
 * spec.backup as resolved from an ObjectStore: with how often its retention policy is applied
 * (instanceSidecarConfiguration.retentionPolicyIntervalSeconds; without that object the plugin reads
 * 0, which it takes as five minutes), which the in-tree form has no field for.
 */
type ResolvedBackup = NonNullable<Cluster['spec']['backup']> & { retentionIntervalSeconds?: number };

/** The retention interval of a store resolved from an ObjectStore; nothing in the in-tree form, so its configuration hash stays as it was. */
export function retentionSchedule(cluster: Cluster): { retentionIntervalSeconds?: number } {
  const seconds = (cluster.spec.backup as ResolvedBackup | undefined)?.retentionIntervalSeconds;
  return seconds === undefined ? {} : { retentionIntervalSeconds: seconds };
}

/** Every ObjectStore name a Cluster's plugin form refers to (the archive's and each external cluster's). */
export function objectStoreNames(cluster: Cluster): string[] {
  const names = [archiverEntry(cluster)?.plugin.parameters?.['barmanObjectName'], ...(cluster.spec.externalClusters ?? []).map((e) => (isBarman(e.plugin) ? e.plugin.parameters?.['barmanObjectName'] : undefined))];
  return [...new Set(names.filter((n): n is string => Boolean(n)))];
}

function configuration(objectStore: ObjectStore, serverName: string): BarmanObjectStore {
  return { ...objectStore.spec.configuration, serverName } as BarmanObjectStore;
}

/** Pure: the Cluster as the in-tree form would have said it, given the ObjectStores found by name. */
export function resolvePluginStores<C extends Cluster>(cluster: C, objectStores: ReadonlyMap<string, ObjectStore>): PluginStores<C> {
  const missing: MissingObjectStore[] = [];
  const lookup = (name: string | undefined, field: string): ObjectStore | undefined => {
    const found = name ? objectStores.get(name) : undefined;
    if (name && !found) missing.push({ field, name });
    return found;
  };
  let spec = cluster.spec;
  let archive: PluginStores<C>['archive'];
  const archiver = archiverEntry(cluster);
  if (archiver) {
    const name = archiver.plugin.parameters?.['barmanObjectName'];
    const objectStore = lookup(name, `spec.plugins[${archiver.index}].parameters.barmanObjectName`);
    if (objectStore && name) {
      const serverName = archiver.plugin.parameters?.['serverName'] ?? cluster.metadata.name;
      archive = { objectStore: name, serverName };
      const retentionIntervalSeconds = objectStore.spec.instanceSidecarConfiguration?.retentionPolicyIntervalSeconds ?? 0;
      const backup: ResolvedBackup = { target: 'prefer-standby' as const, ...spec.backup, barmanObjectStore: configuration(objectStore, serverName), retentionPolicy: objectStore.spec.retentionPolicy, retentionIntervalSeconds };
      spec = { ...spec, backup };
    }
  }
  if (spec.externalClusters?.some((e) => isBarman(e.plugin))) {
    const externalClusters = spec.externalClusters.map((external, index) => {
      if (!isBarman(external.plugin)) return external;
      const parameters = external.plugin.parameters ?? {};
      const objectStore = lookup(parameters['barmanObjectName'], `spec.externalClusters[${index}].plugin.parameters.barmanObjectName`);
      // The plugin reads a recovery or replica source from the recovering Cluster's own folder unless told otherwise.
      return objectStore ? { ...external, barmanObjectStore: configuration(objectStore, parameters['serverName'] ?? cluster.metadata.name) } : external;
    });
    spec = { ...spec, externalClusters };
  }
  return { cluster: spec === cluster.spec ? cluster : { ...cluster, spec }, missing, ...(archive ? { archive } : {}) };
}

/** Reads the ObjectStores the Cluster names (in its namespace) and resolves its plugin form. */
export async function withPluginStores<C extends Cluster>(store: Pick<ResourceStore, 'get'>, cluster: C): Promise<PluginStores<C>> {
  const names = objectStoreNames(cluster);
  if (names.length === 0) return { cluster, missing: [] };
  const found = new Map<string, ObjectStore>();
  for (const name of names) {
    const obj = (await store.get('ObjectStore', cluster.metadata.namespace ?? 'default', name)) as ObjectStore | undefined;
    if (obj) found.set(name, obj);
  }
  return resolvePluginStores(cluster, found);
}

/** Whether a Cluster names this ObjectStore (a change to it reconfigures the Cluster's instances). */
export function namesObjectStore(cluster: Cluster, objectStore: string): boolean {
  return objectStoreNames(cluster).includes(objectStore);
}
