// The plugin's high-availability commands: promote (switchover), fencing, restart and reload.
import { CliError, type DaemonClient } from '../client.js';

export const FENCED_INSTANCES = 'cnpg.io/fencedInstances';

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

export async function fencingCommand(client: DaemonClient, mode: string, cluster: string, instance: string, opts: { namespace?: string }): Promise<void> {
  const ns = opts.namespace ?? 'default';
  const obj = await client.get('Cluster', ns, cluster);
  const { target, value } = nextFencedInstances(obj.metadata.annotations?.[FENCED_INSTANCES], mode, instance);
  await client.request('POST', '/patch', { kind: 'Cluster', namespace: ns, name: cluster }, { patch: { metadata: { annotations: { [FENCED_INSTANCES]: value } } } });
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
