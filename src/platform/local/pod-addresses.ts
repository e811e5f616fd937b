// spec.podSelectorRefs on one machine: the "Pods" are the instances and PgBouncers of the
// namespace, labelled as `cnpg get pods` shows them (views.ts), and every one of them connects
// from the loopback. A selector matching any of them resolves to 127.0.0.1; matching none, to nothing.
import type { ClusterStatus, StoredCluster as Cluster } from '../../api/cluster-status.js';
import { LABELS } from '../../api/names.js';
import { matchesLabelSelector, type LabelSelector } from '../../api/pod-selectors.js';
import type { PodAddressRuntime } from '../../operator/platform.js';
import type { LocalInstances } from './instances.js';
import type { FileStore } from './store.js';

const LOOPBACK = '127.0.0.1';

export class LocalPodAddresses implements PodAddressRuntime {
  constructor(
    private readonly store: FileStore,
    private readonly instances: LocalInstances,
  ) {}

  private labelSets(namespace: string): Array<Record<string, string>> {
    const sets: Array<Record<string, string>> = [];
    for (const cluster of this.store.listSync('Cluster', namespace) as Cluster[]) {
      const primary = ((cluster.status ?? {}) as ClusterStatus).currentPrimary;
      for (const { record } of this.instances.records(namespace, cluster.metadata.name)) {
        const role = record.name === primary ? 'primary' : 'replica';
        sets.push({ [LABELS.cluster]: record.cluster, [LABELS.instanceName]: record.name, [LABELS.podRole]: 'instance', [LABELS.instanceRole]: role, [LABELS.legacyRole]: role });
      }
    }
    for (const pooler of this.store.listSync('Pooler', namespace)) {
      const cluster = (pooler.spec as { cluster?: { name?: string } } | undefined)?.cluster?.name ?? '';
      sets.push({ ...(pooler.metadata.labels ?? {}), [LABELS.cluster]: cluster, [LABELS.poolerName]: pooler.metadata.name, [LABELS.podRole]: 'pooler' });
    }
    return sets;
  }

  async list(namespace: string, selector: LabelSelector): Promise<string[]> {
    return this.labelSets(namespace).some((labels) => matchesLabelSelector(labels, selector)) ? [LOOPBACK] : [];
  }
}
