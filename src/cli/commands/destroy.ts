// `destroy CLUSTER INSTANCE`, once for both CLIs: checks the instance, writes the
// cnpg.io/destroyInstance annotation that planCluster acts on (operator/destroy-instance.ts) and
// waits until the operator consumed it, which it does right after removing the instance and its
// data, so that the message is true when printed. (The instance's name may come back at once: a
// new instance takes the lowest free serial.)
import { ANNOTATIONS } from '../../api/names.js';
import { destroyRefusal } from '../../operator/destroy-instance.js';
import { resolveInstanceName } from '../../operator/failover.js';
import { CliError } from '../client.js';
import type { ClusterAccess } from './ha.js';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 500;

export async function destroy(access: ClusterAccess, cluster: string, instance: string, timeoutMs: number): Promise<string> {
  const obj = await access.getCluster(cluster);
  const target = resolveInstanceName(cluster, instance);
  const refusal = destroyRefusal(cluster, target, await access.instanceNames(cluster));
  if (refusal) throw new CliError(`error: ${refusal}`);
  await access.annotateCluster(cluster, { [ANNOTATIONS.destroyInstance]: target });
  const how = obj.status?.currentPrimary === target ? ' (the primary: after a switchover to a standby)' : '';
  const deadline = Date.now() + timeoutMs;
  while ((await access.getCluster(cluster)).metadata.annotations?.[ANNOTATIONS.destroyInstance] === target) {
    if (Date.now() > deadline) {
      throw new CliError(`error: instance ${target} of cluster ${cluster} is not destroyed yet after ${Math.round(timeoutMs / 1000)} s${how}; the operator goes on (see the Cluster's events and status)`);
    }
    await sleep(POLL_MS);
  }
  return `Instance ${target} of cluster ${cluster} is destroyed${how}\n`;
}
