// Which objects a Cluster owns on Kubernetes: those naming it (by name and, once known, uid) among
// their owner references.
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';

export function ownedBy(obj: KubeObject, cluster: Cluster): boolean {
  return (obj.metadata.ownerReferences ?? []).some((ref) => ref.kind === 'Cluster' && ref.name === cluster.metadata.name && (cluster.metadata.uid === undefined || ref.uid === cluster.metadata.uid));
}
