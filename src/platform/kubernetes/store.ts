// The ResourceStore of the operator, on a Kubernetes API server: every kind through the generic
// object API, status through the status subresource, conflicts retried on a fresh read.
import { ApiException, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { resolveKind } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { NotFoundError, type ResourceStore } from '../../operator/platform.js';
import { rebaseStatus } from '../../operator/status-rebase.js';

const FIELD_MANAGER = 'cnpg-ts';
const CONFLICT_RETRIES = 5;

export const isStatus = (e: unknown, code: number): boolean => e instanceof ApiException && e.code === code;

const notFound = (kind: string, namespace: string | undefined, name: string) =>
  new NotFoundError(`${kindInfo(kind).plural} "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}`);

/** Kubernetes kinds the platform manages that the CLI has no use for. */
const PLATFORM_KINDS: Record<string, { apiVersion: string; plural: string; namespaced: boolean }> = {
  PodDisruptionBudget: { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
  Lease: { apiVersion: 'coordination.k8s.io/v1', plural: 'leases', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true },
  Role: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  PodMonitor: { apiVersion: 'monitoring.coreos.com/v1', plural: 'podmonitors', namespaced: true },
  CustomResourceDefinition: { apiVersion: 'apiextensions.k8s.io/v1', plural: 'customresourcedefinitions', namespaced: false },
  Node: { apiVersion: 'v1', plural: 'nodes', namespaced: false },
};

export function kindInfo(kind: string): { apiVersion: string; plural: string; namespaced: boolean } {
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
    return this.read(kind, namespace, name);
  }

  /** From the API server, whatever a subclass's get() reads from: a conflict is resolved on this. */
  protected async read(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.objects.read(this.header(kind, namespace, name))) as KubeObject;
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw e;
    }
  }

  async list(kind: string, namespace?: string, labels?: Record<string, string>): Promise<KubeObject[]> {
    const { apiVersion } = kindInfo(kind);
    const selector = labels && Object.keys(labels).length > 0 ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') : undefined;
    const out = await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector);
    return out.items.map((o) => ({ ...o, apiVersion, kind }) as KubeObject);
  }

  /** `known`: the current object (null: none) when the caller knows it, saving the first read. */
  async put(obj: KubeObject, known?: KubeObject | null): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const existing = attempt > 0 ? await this.read(obj.kind, obj.metadata.namespace, obj.metadata.name) : known === undefined ? await this.get(obj.kind, obj.metadata.namespace, obj.metadata.name) : (known ?? undefined);
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

  /**
   * Returns the object as written. A status equal to the stored one is not sent: the write would
   * only wake every watcher for nothing.
   */
  async updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown, base?: unknown): Promise<KubeObject> {
    const { apiVersion, plural } = kindInfo(kind);
    const [group = '', version = ''] = apiVersion.split('/');
    const ours = status === undefined ? undefined : (JSON.parse(JSON.stringify(status)) as unknown);
    const based = base === undefined ? undefined : (JSON.parse(JSON.stringify(base)) as unknown);
    for (let attempt = 0; ; attempt++) {
      const existing = attempt === 0 ? await this.get(kind, namespace, name) : await this.read(kind, namespace, name);
      if (!existing) throw notFound(kind, namespace, name);
      // A conflict means a write since our read: rebased on it again, never replacing it blindly.
      const wanted = based === undefined ? ours : rebaseStatus(based, ours, existing.status);
      if (isDeepStrictEqual(existing.status, wanted)) return existing;
      try {
        return (await this.custom.replaceNamespacedCustomObjectStatus({ group, version, namespace: namespace ?? 'default', plural, name, body: { ...existing, status: wanted } })) as KubeObject;
      } catch (e) {
        if (isStatus(e, 409) && attempt < CONFLICT_RETRIES) continue;
        if (isStatus(e, 404)) throw notFound(kind, namespace, name);
        throw e;
      }
    }
  }

  async patchMetadata(kind: string, namespace: string | undefined, name: string, patch: { annotations?: Record<string, string | null>; labels?: Record<string, string | null>; finalizers?: string[] }): Promise<KubeObject> {
    const obj = { ...this.header(kind, namespace, name), metadata: { ...this.header(kind, namespace, name).metadata, ...patch } };
    try {
      return (await this.objects.patch(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch)) as KubeObject;
    } catch (e) {
      if (isStatus(e, 404)) throw notFound(kind, namespace, name);
      throw e;
    }
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
