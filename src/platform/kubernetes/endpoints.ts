// Endpoints as Services: X-rw, X-ro and X-r select on labels of the Pods, and routing a cluster is
// setting those labels as the plan says. The role label says what an instance is (primary or
// replica, as CloudNativePG sets it); the serving label says whether the plan routes to it at all,
// so that an instance the plan leaves out (the old primary during a failover, while it may still
// pass its readiness probe) is in no Service.
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { EndpointAddresses, EndpointRole, EndpointRuntime } from '../../operator/platform.js';
import { LABELS, POSTGRES_PORT, serviceNames } from '../../api/names.js';
import { clusterServices, podDisruptionBudgetNames, podDisruptionBudgets } from './specs.js';
import type { KubeStore } from './store.js';

/**
 * The routing labels an instance Pod should carry, given the plan's backends (-r is -rw plus -ro).
 * With nobody taking writes (a failover under way) the role label stays as it is: who is primary
 * is not known yet, and the serving label alone keeps the instance out.
 */
export function routingLabels(pod: string, current: Record<string, string> | undefined, backends: Record<EndpointRole, string[]>): Record<string, string> {
  const role = backends.rw.includes(pod) ? 'primary' : backends.ro.includes(pod) || backends.rw.length > 0 ? 'replica' : current?.[LABELS.instanceRole];
  const serving = backends.rw.includes(pod) || backends.ro.includes(pod) || backends.r.includes(pod);
  return { ...(role ? { [LABELS.instanceRole]: role, [LABELS.legacyRole]: role } : {}), [LABELS.serving]: String(serving) };
}

export class KubeEndpoints implements EndpointRuntime {
  constructor(private readonly store: KubeStore) {}

  async addresses(cluster: Cluster): Promise<EndpointAddresses> {
    const names = serviceNames(cluster.metadata.name);
    const ns = cluster.metadata.namespace ?? 'default';
    const at = (svc: string) => ({ host: `${svc}.${ns}.svc`, port: POSTGRES_PORT });
    return { rw: at(names.rw), ro: at(names.ro), r: at(names.r) };
  }

  async route(cluster: Cluster, backends: Record<EndpointRole, string[]>): Promise<void> {
    const ns = cluster.metadata.namespace;
    const budgets = podDisruptionBudgets(cluster);
    for (const obj of budgets) {
      const existing = await this.store.get(obj.kind, ns, obj.metadata.name);
      const minAvailable = (o: KubeObject | undefined) => (o?.spec as { minAvailable?: unknown } | undefined)?.minAvailable;
      if (!existing || minAvailable(existing) !== minAvailable(obj)) await this.store.put(obj);
    }
    // A maintenance window, enablePDB false or fewer instances take budgets away.
    for (const name of podDisruptionBudgetNames(cluster).filter((n) => !budgets.some((b) => b.metadata.name === n))) {
      if (await this.store.get('PodDisruptionBudget', ns, name)) await this.store.delete('PodDisruptionBudget', ns, name);
    }
    for (const svc of clusterServices(cluster)) {
      const existing = await this.store.get('Service', ns, svc.metadata.name);
      const selector = (svc.spec as { selector: Record<string, string> }).selector;
      if (!existing) await this.store.put(svc);
      // Services made before the serving label select without it: they get the selector of now.
      else if (!isDeepStrictEqual((existing.spec as { selector?: unknown } | undefined)?.selector, selector)) {
        await this.store.put({ ...svc, spec: { ...(existing.spec as object), selector } });
      }
    }
    for (const pod of await this.store.list('Pod', ns, { [LABELS.cluster]: cluster.metadata.name, [LABELS.podRole]: 'instance' })) {
      const labels = routingLabels(pod.metadata.name, pod.metadata.labels, backends);
      if (Object.entries(labels).every(([k, v]) => pod.metadata.labels?.[k] === v)) continue;
      await this.store.patchMetadata('Pod', ns, pod.metadata.name, { labels });
    }
  }

  async remove(cluster: Cluster): Promise<void> {
    const ns = cluster.metadata.namespace;
    for (const obj of clusterServices(cluster)) await this.store.delete(obj.kind, ns, obj.metadata.name);
    for (const name of podDisruptionBudgetNames(cluster)) await this.store.delete('PodDisruptionBudget', ns, name);
  }
}
