// `destroy CLUSTER INSTANCE`, once for both CLIs: checks the instance, writes the
// cnpg.io/destroyInstance annotation that planCluster acts on (operator/destroy-instance.ts) and
// waits until the operator consumed it, which it does right after removing the instance and its
// data, so that the message is true when printed. (The instance's name may come back at once: a
// new instance takes the lowest free serial, one that no kept data holds.)
import { ANNOTATIONS } from '../../api/names.js';
import { destroyRefusal } from '../../operator/destroy-instance.js';
import { resolveInstanceName } from '../../operator/failover.js';
import { keptDataFolders } from '../../platform/local/kept-data.js';
import { CliError } from '../client.js';
import type { ClusterAccess } from './ha.js';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 500;

export interface DestroyOptions {
  timeoutMs: number;
  /** --keep-pvc: the instance's data stays, detached from the Cluster. */
  keepPvc?: boolean;
  /** Where the platform kept the data, said once the destroy is done. */
  describeKept?: (instance: string) => string;
}

export async function destroy(access: ClusterAccess, cluster: string, instance: string, o: DestroyOptions): Promise<string> {
  const { timeoutMs } = o;
  const obj = await access.getCluster(cluster);
  const target = resolveInstanceName(cluster, instance);
  const refusal = destroyRefusal(cluster, target, await access.instanceNames(cluster));
  if (refusal) throw new CliError(`error: ${refusal}`);
  // Both in one write: the operator never sees the request without the way it is meant.
  await access.annotateCluster(cluster, { [ANNOTATIONS.destroyInstance]: target, ...(o.keepPvc ? { [ANNOTATIONS.destroyKeepPvc]: 'true' } : {}) });
  const how = obj.status?.currentPrimary === target ? ' (the primary: after a switchover to a standby)' : '';
  const deadline = Date.now() + timeoutMs;
  while ((await access.getCluster(cluster)).metadata.annotations?.[ANNOTATIONS.destroyInstance] === target) {
    if (Date.now() > deadline) {
      throw new CliError(`error: instance ${target} of cluster ${cluster} is not destroyed yet after ${Math.round(timeoutMs / 1000)} s${how}; the operator goes on (see the Cluster's events and status)`);
    }
    await sleep(POLL_MS);
  }
  if (!o.keepPvc) return `Instance ${target} of cluster ${cluster} is destroyed${how}\n`;
  return `Instance ${target} of cluster ${cluster} has been destroyed and the PVC was kept${how}\n${o.describeKept?.(target) ?? ''}`;
}

/** Kubernetes: the claims keep the instance's name. */
export function kubeKeptPvc(instance: string): string {
  return `PVC ${instance} (and ${instance}-wal, if any) is detached from the cluster (annotation ${ANNOTATIONS.pvcStatus}: detached, no owner): delete it with kubectl delete pvc ${instance} once it is no longer needed\n`;
}

/** Locally: the newest data folder kept for the instance's name (platform/local/kept-data.ts). */
export function localKeptData(home: string, namespace: string, cluster: string): (instance: string) => string {
  return (instance) => {
    const kept = keptDataFolders(home, namespace, cluster, instance).at(-1);
    return kept ? `Its data folder was moved to ${kept} (see docs/plugin-verbs.md for starting PostgreSQL on it)\n` : '';
  };
}
