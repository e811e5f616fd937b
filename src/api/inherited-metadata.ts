// spec.inheritedMetadata: the labels and annotations a Cluster hands down to every object the
// operator makes for it (Pods, PVCs, Services, Secrets, ServiceAccount, PDBs), as CloudNativePG does.
import type { Cluster } from './cluster.js';

/**
 * spec.inheritedMetadata on an object the operator makes: its labels and annotations under the
 * operator's own, which always win (selectors and hashes depend on them).
 */
export function withInheritedMetadata<T extends { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }>(cluster: Pick<Cluster, 'spec'>, obj: T): T {
  const inherited = cluster.spec.inheritedMetadata;
  if (!inherited?.labels && !inherited?.annotations) return obj;
  const labels = { ...inherited.labels, ...obj.metadata.labels };
  const annotations = { ...inherited.annotations, ...obj.metadata.annotations };
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
  };
}
