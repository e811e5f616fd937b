// The external clusters an instance connects to (pg_basebackup and import sources, a replica
// cluster's source), resolved from the Cluster and the Secrets it names. The settings travel in
// the instance's config, the Secrets' values in its credentials (instance/external-connection.ts
// joins them again).
import type { Cluster } from '../api/index.js';
import type { StoredCluster } from '../api/cluster-status.js';
import type { ExternalConnection, ExternalSecrets, ExternalSource } from '../instance/external-connection.js';
import type { ResourceStore } from './platform.js';
import { readSecretKey } from './credentials-read.js';

export type { ExternalConnection, ExternalSecrets, ExternalSource };

type ExternalCluster = NonNullable<Cluster['spec']['externalClusters']>[number];

/** The external clusters this Cluster streams or dumps from: what its bootstrap and replica sections name. */
export function connectedSourceNames(cluster: Cluster): string[] {
  const { bootstrap, replica } = cluster.spec;
  const names = [bootstrap?.pg_basebackup?.source, bootstrap?.initdb?.import?.source.externalCluster, replica?.source];
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

/** Those named entries that say how to connect (an entry with only an object store has nothing to hand out). */
function connectedEntries(cluster: Cluster): { entry: ExternalCluster; index: number }[] {
  const wanted = connectedSourceNames(cluster);
  return (cluster.spec.externalClusters ?? []).flatMap((entry, index) =>
    wanted.includes(entry.name) && entry.connectionParameters !== undefined ? [{ entry, index }] : [],
  );
}

/** Pure: the settings half, for InstanceConfig.externalSources. */
export function externalSources(cluster: Cluster): ExternalSource[] {
  return connectedEntries(cluster).map(({ entry }) => ({ name: entry.name, params: { ...entry.connectionParameters } }));
}



const SECRET_FIELDS = ['password', 'sslCert', 'sslKey', 'sslRootCert'] as const;

/**
 * Whether the Cluster still needs this source's Secrets: a replica cluster always does; a bootstrap
 * source only until the first primary exists (status.currentPrimary recorded), so that a source
 * Secret deleted after the copy does not stop the cluster from being reconciled.
 */
function secretsRequired(cluster: Cluster, name: string): boolean {
  return cluster.spec.replica?.source === name || (cluster as StoredCluster).status?.currentPrimary === undefined;
}

/** The secrets half, for Credentials.externalSources: undefined when no connected entry names a Secret. */
export async function resolveExternalSecrets(store: ResourceStore, cluster: Cluster): Promise<Record<string, ExternalSecrets> | undefined> {
  const namespace = cluster.metadata.namespace ?? 'default';
  const resolved: Record<string, ExternalSecrets> = {};
  for (const { entry, index } of connectedEntries(cluster)) {
    const secrets: ExternalSecrets = {};
    const required = secretsRequired(cluster, entry.name);
    for (const field of SECRET_FIELDS) {
      const ref = entry[field];
      const value = await readSecretKey(store, namespace, ref && !required ? { ...ref, optional: true } : ref, `spec.externalClusters[${index}].${field}`);
      if (value !== undefined) secrets[field] = value;
    }
    if (Object.keys(secrets).length > 0) resolved[entry.name] = secrets;
  }
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

/** Both halves joined: every connected external cluster with its Secrets' values. */
export async function resolveExternalConnections(store: ResourceStore, cluster: Cluster): Promise<ExternalConnection[]> {
  const secrets = (await resolveExternalSecrets(store, cluster)) ?? {};
  return externalSources(cluster).map((source) => ({ ...source, ...(secrets[source.name] ?? {}) }));
}

/**
 * One entry by name with its Secrets' values, whatever names it (a Subscription's
 * externalClusterName): an error naming the field when the entry, its connectionParameters or a
 * Secret it names is missing.
 */
export async function resolveExternalConnection(store: ResourceStore, cluster: Cluster, name: string): Promise<ExternalConnection> {
  const entries = cluster.spec.externalClusters ?? [];
  const index = entries.findIndex((e) => e.name === name);
  const entry = entries[index];
  if (!entry) throw new Error(`Cluster ${cluster.metadata.name} has no spec.externalClusters entry named ${JSON.stringify(name)}`);
  if (!entry.connectionParameters) throw new Error(`spec.externalClusters[${index}] (${name}) of Cluster ${cluster.metadata.name} has no connectionParameters to connect with`);
  const namespace = cluster.metadata.namespace ?? 'default';
  const secrets: ExternalSecrets = {};
  for (const field of SECRET_FIELDS) {
    const value = await readSecretKey(store, namespace, entry[field], `spec.externalClusters[${index}].${field}`);
    if (value !== undefined) secrets[field] = value;
  }
  return { name, params: { ...entry.connectionParameters }, ...secrets };
}
