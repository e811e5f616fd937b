// The high-availability commands, once for both CLIs: promote (switchover), fencing, restart and
// reload. Each one checks its input and writes one annotation on the Cluster, which the operator's
// planCluster acts on; they print that the change was requested and return, as `kubectl cnpg` does.
// `cnpg` reaches the Cluster through the local daemon, `kubectl cnpg` through the API server.
import type { ClusterStatus, StoredCluster } from '../../api/cluster-status.js';
import { ANNOTATIONS, LABELS } from '../../api/names.js';
import { fencedInstances, resolveInstanceName, switchoverRefusal } from '../../operator/failover.js';
import { CliError, type DaemonClient } from '../client.js';
import { patchObject } from './mutate.js';

/** What the commands need of a platform: one Cluster, its instances (by their data volumes), and a way to annotate it. */
export interface ClusterAccess {
  getCluster(name: string): Promise<StoredCluster>;
  instanceNames(cluster: string): Promise<string[]>;
  /** A merge patch of the Cluster's annotations (null removes one). */
  annotateCluster(name: string, annotations: Record<string, string | null>): Promise<void>;
}

/** The local daemon as ClusterAccess, in one namespace. */
export function daemonAccess(client: DaemonClient, namespace = 'default'): ClusterAccess {
  return {
    getCluster: async (name) => (await client.get('Cluster', namespace, name)) as StoredCluster,
    instanceNames: async (cluster) =>
      (await client.list('PersistentVolumeClaim', namespace)).filter((v) => v.metadata.labels?.[LABELS.cluster] === cluster).map((v) => v.metadata.name),
    annotateCluster: async (name, annotations) => void (await patchObject(client, 'Cluster', namespace, name, { metadata: { annotations } })),
  };
}

/**
 * Switchover through the `cnpg.io/targetPrimary` annotation, which the operator consumes and
 * clears; unlike a status write it cannot be lost to a status update racing with it.
 */
export async function promote(access: ClusterAccess, cluster: string, instance: string): Promise<string> {
  const obj = await access.getCluster(cluster);
  const target = resolveInstanceName(cluster, instance);
  const refusal = switchoverRefusal(cluster, target, await access.instanceNames(cluster), (obj.status ?? {}) as ClusterStatus);
  if (refusal) throw new CliError(`error: ${refusal.message}`);
  await access.annotateCluster(cluster, { [ANNOTATIONS.targetPrimary]: target });
  return `Node ${target} in cluster ${cluster} will be promoted\n`;
}

/**
 * The `cnpg.io/fencedInstances` value after `fencing on|off` of TARGET (`"*"` or `all` for every
 * instance); null removes the annotation. A value that is not a JSON list counts as empty.
 */
export function nextFencedInstances(current: string | undefined, mode: string, instance: string): { target: string; value: string | null } {
  if (mode !== 'on' && mode !== 'off') throw new CliError(`error: fencing takes "on" or "off", got "${mode}"`);
  const target = instance === 'all' ? '*' : instance;
  let list: string[] = [];
  try {
    const parsed = JSON.parse(current ?? '[]') as unknown;
    if (Array.isArray(parsed)) list = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    list = [];
  }
  if (mode === 'on') list = [...new Set([...list, target])].sort();
  else list = target === '*' ? [] : list.filter((n) => n !== target);
  return { target, value: list.length > 0 ? JSON.stringify(list) : null };
}

/**
 * The instance `fencing` names (`2` stands for CLUSTER-2), refused when it is not one of the
 * cluster's instances: fencing it would say "fenced" and stop nothing. An instance already in the
 * list may be unfenced after it is gone.
 */
export function fencingTarget(cluster: string, instance: string, instances: readonly string[], currentList: string | undefined): string {
  if (instance === '*' || instance === 'all') return instance;
  const name = resolveInstanceName(cluster, instance);
  if (instances.includes(name) || (currentList ?? '').includes(JSON.stringify(name))) return name;
  throw new CliError(`error: instance ${name} is not part of cluster ${cluster} (instances: ${instances.join(', ') || 'none yet'}; "*" stands for all of them)`);
}

export async function fencing(access: ClusterAccess, mode: string, cluster: string, instance: string): Promise<string> {
  const obj = await access.getCluster(cluster);
  const current = obj.metadata.annotations?.[ANNOTATIONS.fencedInstances];
  const { target, value } = nextFencedInstances(current, mode, fencingTarget(cluster, instance, await access.instanceNames(cluster), current));
  await access.annotateCluster(cluster, { [ANNOTATIONS.fencedInstances]: value });
  return `${target === '*' ? 'all instances' : target} of cluster ${cluster} ${mode === 'on' ? 'fenced' : 'unfenced'}\n`;
}

/**
 * The whole Cluster: a restart request the operator rolls out (standbys first, the primary last,
 * as primaryUpdateStrategy allows). One instance: the operator restarts a primary in place and
 * recreates a standby on its data. A fenced instance is refused: it would not start.
 */
export async function restart(access: ClusterAccess, cluster: string, instance: string | undefined): Promise<string> {
  const obj = await access.getCluster(cluster);
  if (instance === undefined) {
    await access.annotateCluster(cluster, { [ANNOTATIONS.restartedAt]: new Date().toISOString() });
    return `cluster ${cluster} restart requested: standbys first, then the primary\n`;
  }
  const target = resolveInstanceName(cluster, instance);
  const instances = await access.instanceNames(cluster);
  if (!instances.includes(target)) throw new CliError(`error: instance ${target} is not part of cluster ${cluster} (instances: ${instances.join(', ') || 'none'})`);
  if (fencedInstances(obj.metadata.annotations, instances).has(target)) {
    throw new CliError(`error: instance ${target} of cluster ${cluster} is fenced; unfence it first (fencing off ${cluster} ${target})`);
  }
  await access.annotateCluster(cluster, { [ANNOTATIONS.restartInstance]: target });
  const how = obj.status?.currentPrimary === target ? 'the primary, in place' : 'a standby, recreated on its data';
  return `instance ${target} restart requested (${how})\n`;
}

export async function reload(access: ClusterAccess, cluster: string): Promise<string> {
  await access.getCluster(cluster);
  await access.annotateCluster(cluster, { [ANNOTATIONS.reloadedAt]: new Date().toISOString() });
  return `cluster ${cluster} reload requested\n`;
}
