// spec.podSelectorRefs resolved at each reconcile into the addresses their Pods have now
// (status.podSelectorRefs), which the instances' pg_hba expands (api/pod-selectors.ts).
import type { ClusterStatus, StoredCluster as Cluster } from '../api/cluster-status.js';
import type { PodSelectorRefStatus } from '../api/pod-selectors.js';
import type { Platform } from './platform.js';

/** While a Cluster names selectors, it is looked at again this often: Pods come and go without touching it. */
export const POD_SELECTOR_REFRESH_MS = 30_000;

/** Undefined when the Cluster names no selector, or the platform cannot list Pods. */
export async function observePodSelectors(platform: Pick<Platform, 'podAddresses'>, cluster: Cluster): Promise<PodSelectorRefStatus[] | undefined> {
  const refs = cluster.spec.podSelectorRefs ?? [];
  if (refs.length === 0 || !platform.podAddresses) return undefined;
  const namespace = cluster.metadata.namespace ?? 'default';
  const out: PodSelectorRefStatus[] = [];
  for (const ref of refs) {
    const ips = [...new Set(await platform.podAddresses.list(namespace, ref.selector))].sort();
    out.push(ips.length > 0 ? { name: ref.name, ips } : { name: ref.name });
  }
  return out;
}

/** The Cluster as planned: its status carries the addresses observed now, so this plan's pg_hba has them. */
export function withPodSelectors(cluster: Cluster, resolved: PodSelectorRefStatus[] | undefined): Cluster {
  const status: ClusterStatus = { ...(cluster.status ?? {}) };
  if (resolved) status.podSelectorRefs = resolved;
  else delete status.podSelectorRefs;
  return { ...cluster, status };
}
