// Endpoints as Services: X-rw, X-ro and X-r select on role labels, and routing a cluster is
// flipping those labels on its Pods (the Services never change).
import type { Cluster } from '../../api/index.js';
import type { EndpointAddresses, EndpointRole, EndpointRuntime } from '../../operator/platform.js';
import { LABELS, POSTGRES_PORT, serviceNames } from '../../api/names.js';
import { clusterServices, podDisruptionBudgets } from './specs.js';
import type { KubeStore } from './store.js';

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
    for (const obj of [...clusterServices(cluster), ...podDisruptionBudgets(cluster)]) {
      if (!(await this.store.get(obj.kind, ns, obj.metadata.name))) await this.store.put(obj);
    }
    for (const pod of await this.store.list('Pod', ns, { [LABELS.cluster]: cluster.metadata.name, [LABELS.podRole]: 'instance' })) {
      const role = backends.rw.includes(pod.metadata.name) ? 'primary' : 'replica';
      if (pod.metadata.labels?.[LABELS.instanceRole] === role) continue;
      await this.store.patchMetadata('Pod', ns, pod.metadata.name, { labels: { [LABELS.instanceRole]: role, [LABELS.legacyRole]: role } });
    }
  }

  async remove(cluster: Cluster): Promise<void> {
    const ns = cluster.metadata.namespace;
    for (const obj of [...clusterServices(cluster), ...podDisruptionBudgets(cluster)]) await this.store.delete(obj.kind, ns, obj.metadata.name);
  }
}
