// `pooler pause|resume NAME`, once for both CLIs: an intent written as the Pooler's
// spec.pgbouncer.paused, which the operator hands to every PgBouncer of the pooler (PAUSE drains
// server connections for maintenance; RESUME lets clients through again). Like the HA commands it
// returns once the change is stored; `cnpg status CLUSTER` shows when the PgBouncers follow.
import type { KubeObject } from '../../api/meta.js';
import { CliError, type DaemonClient } from '../client.js';
import { patchObject } from './mutate.js';

/** What the command needs of a platform: one Pooler, and a merge patch of its spec. */
export interface PoolerAccess {
  getPooler(name: string): Promise<KubeObject>;
  patchPoolerSpec(name: string, spec: Record<string, unknown>): Promise<void>;
}

export function daemonPoolerAccess(client: DaemonClient, namespace = 'default'): PoolerAccess {
  return {
    getPooler: (name) => client.get('Pooler', namespace, name),
    patchPoolerSpec: async (name, spec) => void (await patchObject(client, 'Pooler', namespace, name, { spec })),
  };
}

export async function poolerPause(access: PoolerAccess, mode: string, name: string): Promise<string> {
  if (mode !== 'pause' && mode !== 'resume') throw new CliError(`error: pooler takes "pause" or "resume", got "${mode}"`);
  const pooler = await access.getPooler(name);
  const paused = mode === 'pause';
  const current = (pooler.spec as { pgbouncer?: { paused?: boolean } } | undefined)?.pgbouncer?.paused ?? false;
  if (current === paused) return `pooler ${name} is already ${paused ? 'paused' : 'running'}\n`;
  await access.patchPoolerSpec(name, { pgbouncer: { paused } });
  return `pooler ${name} ${paused ? 'pause' : 'resume'} requested\n`;
}
