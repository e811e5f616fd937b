// The plugin's high-availability commands: promote (switchover), fencing, restart and reload.
import { ANNOTATIONS, LABELS } from '../../api/names.js';
import { resolveInstanceName } from '../../operator/failover.js';
import { CliError, type DaemonClient } from '../client.js';
import { patchObject } from './mutate.js';

export async function promoteCommand(client: DaemonClient, cluster: string, instance: string, opts: { namespace?: string }): Promise<void> {
  const r = await client.request<{ target: string }>('POST', '/promote', { namespace: opts.namespace ?? 'default', cluster, instance });
  process.stdout.write(`Node ${r.target} in cluster ${cluster} will be promoted\n`);
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

export const fencingMessage = (cluster: string, target: string, mode: string): string =>
  `${target === '*' ? 'all instances' : target} of cluster ${cluster} ${mode === 'on' ? 'fenced' : 'unfenced'}\n`;

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

export async function fencingCommand(client: DaemonClient, mode: string, cluster: string, instance: string, opts: { namespace?: string }): Promise<void> {
  const ns = opts.namespace ?? 'default';
  const obj = await client.get('Cluster', ns, cluster);
  const current = obj.metadata.annotations?.[ANNOTATIONS.fencedInstances];
  const instances = (await client.list('PersistentVolumeClaim', ns)).filter((v) => v.metadata.labels?.[LABELS.cluster] === cluster).map((v) => v.metadata.name);
  const { target, value } = nextFencedInstances(current, mode, fencingTarget(cluster, instance, instances, current));
  await patchObject(client, 'Cluster', ns, cluster, { metadata: { annotations: { [ANNOTATIONS.fencedInstances]: value } } });
  process.stdout.write(fencingMessage(cluster, target, mode));
}

export async function restartCommand(client: DaemonClient, cluster: string, instance: string | undefined, opts: { namespace?: string }): Promise<void> {
  const r = await client.request<{ restarted: string[] }>('POST', '/restart', { namespace: opts.namespace ?? 'default', cluster, instance }, undefined, 600_000);
  process.stdout.write(`restarted ${r.restarted.join(', ')}\n`);
}

export async function reloadCommand(client: DaemonClient, cluster: string, opts: { namespace?: string }): Promise<void> {
  await client.request('POST', '/reload', { namespace: opts.namespace ?? 'default', cluster });
  process.stdout.write(`cluster ${cluster} reloaded\n`);
}
