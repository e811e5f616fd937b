// The ResourceStore of the operator, on a Kubernetes API server: every kind through the generic
// object API, status through the status subresource, conflicts retried on a fresh read.
import { ApiException, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { resolveKind } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceStore } from '../../operator/platform.js';

const FIELD_MANAGER = 'cnpg-ts';
const CONFLICT_RETRIES = 5;

export const isStatus = (e: unknown, code: number): boolean => e instanceof ApiException && e.code === code;

/** Kubernetes kinds the platform manages that the CLI has no use for. */
const PLATFORM_KINDS: Record<string, { apiVersion: string; plural: string; namespaced: boolean }> = {
  PersistentVolumeClaim: { apiVersion: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  PodDisruptionBudget: { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
  Event: { apiVersion: 'v1', plural: 'events', namespaced: true },
  Lease: { apiVersion: 'coordination.k8s.io/v1', plural: 'leases', namespaced: true },
};

function kindInfo(kind: string): { apiVersion: string; plural: string; namespaced: boolean } {
  const info = PLATFORM_KINDS[kind] ?? resolveKind(kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return info;
}

export class KubeStore implements ResourceStore {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  private header(kind: string, namespace: string | undefined, name: string): KubernetesObject & { metadata: { name: string } } {
    const { apiVersion, namespaced } = kindInfo(kind);
    return { apiVersion, kind, metadata: { name, ...(namespaced ? { namespace: namespace ?? 'default' } : {}) } };
  }

  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.objects.read(this.header(kind, namespace, name))) as KubeObject;
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw e;
    }
  }

  async list(kind: string, namespace?: string): Promise<KubeObject[]> {
    const { apiVersion } = kindInfo(kind);
    const out = await this.objects.list(apiVersion, kind, namespace);
    return out.items.map((o) => ({ ...o, apiVersion, kind }) as KubeObject);
  }

  async put(obj: KubeObject): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.get(obj.kind, obj.metadata.namespace, obj.metadata.name);
      try {
        if (!existing) return (await this.objects.create(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER)) as KubeObject;
        const next = { ...obj, metadata: { ...existing.metadata, ...obj.metadata, resourceVersion: existing.metadata.resourceVersion }, status: undefined };
        return (await this.objects.replace(next as KubernetesObject, undefined, undefined, FIELD_MANAGER)) as KubeObject;
      } catch (e) {
        if (isStatus(e, 409) && attempt < CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  async updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown): Promise<void> {
    const { apiVersion, plural } = kindInfo(kind);
    const [group = '', version = ''] = apiVersion.split('/');
    for (let attempt = 0; ; attempt++) {
      const existing = await this.get(kind, namespace, name);
      if (!existing) return;
      try {
        await this.custom.replaceNamespacedCustomObjectStatus({ group, version, namespace: namespace ?? 'default', plural, name, body: { ...existing, status } });
        return;
      } catch (e) {
        if (isStatus(e, 409) && attempt < CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  async patchMetadata(kind: string, namespace: string | undefined, name: string, patch: { annotations?: Record<string, string | null>; labels?: Record<string, string | null> }): Promise<void> {
    const obj = { ...this.header(kind, namespace, name), metadata: { ...this.header(kind, namespace, name).metadata, ...patch } };
    await this.objects.patch(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
  }

  async delete(kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.objects.delete(this.header(kind, namespace, name), undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (e) {
      if (isStatus(e, 404)) return false;
      throw e;
    }
  }
}
