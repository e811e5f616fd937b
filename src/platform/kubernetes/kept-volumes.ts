// `destroy --keep-pvc` on Kubernetes, as CloudNativePG's plugin does it: the instance's PVCs stay,
// no longer owned by the Cluster (so deleting the Cluster leaves them) and annotated
// cnpg.io/pvcStatus=detached, which keeps the operator from seeing them as an instance again. They
// keep their labels, so `kubectl get pvc -l cnpg.io/cluster=NAME` still finds them.
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { ANNOTATIONS, LABELS } from '../../api/names.js';

export const DETACHED = 'detached';

export function isDetached(pvc: KubeObject): boolean {
  return pvc.metadata.annotations?.[ANNOTATIONS.pvcStatus] === DETACHED;
}

/** The merge patch that detaches a claim from its Cluster: the annotation, and its owner references without the Cluster's. */
export function detachPatch(pvc: KubeObject, cluster: string): { metadata: { annotations: Record<string, string>; ownerReferences: OwnerReference[] } } {
  return {
    metadata: {
      annotations: { [ANNOTATIONS.pvcStatus]: DETACHED },
      ownerReferences: (pvc.metadata.ownerReferences ?? []).filter((o) => !(o.kind === 'Cluster' && o.name === cluster)),
    },
  };
}

/** The serials the Cluster's detached data claims still hold by name. */
export function keptSerialsOf(claims: KubeObject[]): number[] {
  return claims.filter((c) => isDetached(c) && c.metadata.labels?.[LABELS.pvcRole] === 'PG_DATA').map((c) => Number(c.metadata.annotations?.[ANNOTATIONS.serial] ?? 0));
}
