// A Cluster's PodMonitor, for the Prometheus operator: made, kept as the spec and inheritedMetadata
// say and removed as the controller decides. Whether the kind is served at all is asked of the API
// server at most every CRD_RECHECK_MS, so a Cluster reconciled often does not ask each time.
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../api/index.js';
import { LABELS } from '../../api/names.js';
import { inheritedMetadataPatch } from '../../api/inherited-metadata.js';
import { PODMONITOR_CRD } from '../../operator/monitoring.js';
import type { PodMonitorRuntime } from '../../operator/platform.js';
import type { ObservedPodMonitor } from '../../operator/types.js';
import { clusterPodMonitor } from './specs.js';
import type { KubeStore } from './store.js';

const CRD_RECHECK_MS = 30_000;

export class KubePodMonitors implements PodMonitorRuntime {
  private served?: { value: boolean; at: number };

  constructor(private readonly store: KubeStore) {}

  private async kindServed(): Promise<boolean> {
    if (this.served && Date.now() - this.served.at < CRD_RECHECK_MS) return this.served.value;
    const value = (await this.store.get('CustomResourceDefinition', undefined, PODMONITOR_CRD)) !== undefined;
    this.served = { value, at: Date.now() };
    return value;
  }

  async observe(cluster: Cluster): Promise<ObservedPodMonitor> {
    if (!(await this.kindServed())) return { kindServed: false, exists: false };
    return { kindServed: true, exists: (await this.own(cluster)) !== undefined };
  }

  private async own(cluster: Cluster) {
    const stored = await this.store.get('PodMonitor', cluster.metadata.namespace, cluster.metadata.name);
    return stored?.metadata.labels?.[LABELS.cluster] === cluster.metadata.name ? stored : undefined;
  }

  async apply(cluster: Cluster): Promise<void> {
    const wanted = clusterPodMonitor(cluster);
    const stored = await this.store.get('PodMonitor', cluster.metadata.namespace, cluster.metadata.name);
    if (!stored || !isDeepStrictEqual((stored as { spec?: unknown }).spec, wanted.spec) || stored.metadata.labels?.[LABELS.cluster] !== cluster.metadata.name) {
      await this.store.put(wanted);
      return;
    }
    // A change of inheritedMetadata only: patched, keeping what others put on it.
    const patch = inheritedMetadataPatch(cluster, stored.metadata);
    if (patch) await this.store.patchMetadata('PodMonitor', cluster.metadata.namespace, cluster.metadata.name, patch);
  }

  async remove(cluster: Cluster): Promise<void> {
    if (await this.own(cluster)) await this.store.delete('PodMonitor', cluster.metadata.namespace, cluster.metadata.name);
  }
}
