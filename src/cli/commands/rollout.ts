// `rollout status`: kubectl's wait for a rollout, for what rolls out locally: a Cluster (until it
// is Ready, instances replaced in rolling order) and the operator Deployment (the daemon).
import type { ClusterStatus } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { CliError, type DaemonClient } from '../client.js';
import { resolveTargets } from '../resources.js';
import { parseDuration } from './mutate.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type RolloutProgress = { done: true } | { done: false; waiting: string };

type Conditions = { conditions?: Array<{ type: string; status: string }> };
const isTrue = (obj: KubeObject, type: string) => ((obj.status ?? {}) as Conditions).conditions?.some((c) => c.type === type && c.status === 'True') === true;

/** Where a rollout stands, in kubectl's words; undefined for kinds that do not roll out. */
export function rolloutProgress(obj: KubeObject): RolloutProgress | undefined {
  if (obj.kind === 'Cluster') {
    const status = (obj.status ?? {}) as ClusterStatus;
    const wanted = (obj.spec as { instances?: number } | undefined)?.instances ?? 0;
    if (isTrue(obj, 'Ready') && (status.readyInstances ?? 0) >= wanted) return { done: true };
    return { done: false, waiting: `Waiting for cluster "${obj.metadata.name}" rollout to finish: ${status.readyInstances ?? 0} of ${wanted} instances ready (${status.phase ?? 'no status yet'})...` };
  }
  if (obj.kind === 'Deployment') {
    const status = (obj.status ?? {}) as { availableReplicas?: number; replicas?: number };
    const wanted = (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    if ((status.availableReplicas ?? 0) >= wanted && isTrue(obj, 'Available')) return { done: true };
    return { done: false, waiting: `Waiting for deployment "${obj.metadata.name}" rollout to finish: ${status.availableReplicas ?? 0} of ${wanted} updated replicas are available...` };
  }
  return undefined;
}

export async function rolloutStatusCommand(client: DaemonClient, args: string[], opts: { namespace?: string; timeout?: string; watch?: boolean }): Promise<void> {
  const [target, ...more] = resolveTargets(args);
  if (!target?.name || more.length > 0) throw new CliError('error: rollout status takes one resource: TYPE/NAME or TYPE NAME, e.g. cluster/pg or deployment/cnpg-controller-manager');
  const ns = target.info.namespaced ? (opts.namespace ?? 'default') : undefined;
  // kubectl's default --timeout=0s waits for ever.
  const timeout = parseDuration(opts.timeout ?? '0s');
  const deadline = timeout > 0 ? Date.now() + timeout : Infinity;
  let last = '';
  for (;;) {
    const obj = await client.get(target.info.kind, ns, target.name);
    const progress = rolloutProgress(obj);
    if (!progress) throw new CliError(`error: no status viewer has been implemented for ${target.info.kind} (local rollouts: cluster, deployment)`);
    if (progress.done) {
      process.stdout.write(`${target.info.kind.toLowerCase()} "${target.name}" successfully rolled out\n`);
      return;
    }
    if (progress.waiting !== last) process.stdout.write(`${progress.waiting}\n`);
    last = progress.waiting;
    if (opts.watch === false) return;
    if (Date.now() > deadline) throw new CliError(`error: timed out waiting for the condition`);
    await sleep(500);
  }
}
