// spec.inheritedMetadata onto the objects a Cluster already has, as CloudNativePG's reconcilers
// do: Pods (in place, no restart), PVCs (data, WAL, tablespaces), Services, Secrets (the managers',
// and the credentials and certificates the operator generates), PodDisruptionBudgets and the
// ServiceAccount. The PodMonitor is kept by pod-monitors.ts. Objects are read from the caches, so a
// reconcile with nothing to change costs no request.
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import { inheritedMetadataPatch } from '../../api/inherited-metadata.js';
import { generatedSecretNames } from '../../operator/generated-secrets.js';
import type { InheritedMetadataRuntime } from '../../operator/platform.js';
import { NotFoundError } from '../../operator/platform.js';
import { ownedBy } from './owned.js';
import type { KubeStore } from './store.js';

const KINDS = ['Pod', 'PersistentVolumeClaim', 'Secret', 'Service', 'PodDisruptionBudget', 'ServiceAccount'] as const;

export interface MetadataUpdate {
  kind: string;
  name: string;
  patch: NonNullable<ReturnType<typeof inheritedMetadataPatch>>;
}

/**
 * The patches for `objects` (labelled with the Cluster's name): only those the Cluster owns — by
 * owner reference, or a Secret it generated — and that are not on their way out. A Pooler's
 * objects, a detached PVC and a Secret or ServiceAccount the user named are someone else's.
 */
export function inheritedMetadataUpdates(cluster: Cluster, objects: KubeObject[]): MetadataUpdate[] {
  const generated = new Set(generatedSecretNames(cluster));
  return objects.flatMap((obj): MetadataUpdate[] => {
    const ours = ownedBy(obj, cluster) || (obj.kind === 'Secret' && generated.has(obj.metadata.name));
    if (!ours || obj.metadata.deletionTimestamp) return [];
    const patch = inheritedMetadataPatch(cluster, obj.metadata);
    return patch ? [{ kind: obj.kind, name: obj.metadata.name, patch }] : [];
  });
}

export class KubeInheritedMetadata implements InheritedMetadataRuntime {
  constructor(private readonly store: KubeStore) {}

  async apply(cluster: Cluster): Promise<void> {
    // Nothing inherited, nothing to add: entries no longer inherited are left where they are.
    if (!cluster.spec.inheritedMetadata) return;
    const ns = cluster.metadata.namespace ?? 'default';
    const selector = { [LABELS.cluster]: cluster.metadata.name };
    const objects = (await Promise.all(KINDS.map(async (kind) => (await this.store.list(kind, ns, selector)).map((o) => ({ ...o, kind }))))).flat();
    for (const { kind, name, patch } of inheritedMetadataUpdates(cluster, objects)) {
      // Gone since it was listed: nothing left to label.
      await this.store.patchMetadata(kind, ns, name, patch).catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
      });
    }
  }
}
