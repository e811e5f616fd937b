// An image catalog entry's extensions under the Cluster's spec.postgresql.extensions, as
// CloudNativePG resolves them: only the extensions the Cluster names are used; a catalog entry of
// the same name is the base and each field the Cluster sets replaces the catalog's.
import type { Cluster } from '../api/index.js';
import type { ExtensionConfiguration } from '../api/cluster-extensions.js';
import type { ResourceStore } from './platform.js';

interface CatalogObject {
  spec?: { images?: Array<{ major: number; extensions?: ExtensionConfiguration[] }> };
}

const PATH_FIELDS = ['extension_control_path', 'dynamic_library_path', 'ld_library_path', 'bin_path', 'env'] as const;

function overlay(base: ExtensionConfiguration, own: ExtensionConfiguration): ExtensionConfiguration {
  const reference = own.image?.reference || base.image?.reference;
  const pullPolicy = own.image?.pullPolicy ?? base.image?.pullPolicy;
  const image = reference || pullPolicy ? { image: { ...(reference ? { reference } : {}), ...(pullPolicy ? { pullPolicy } : {}) } } : {};
  const merged: ExtensionConfiguration = { name: own.name, ...image };
  for (const field of PATH_FIELDS) {
    const value = own[field]?.length ? own[field] : base[field];
    if (value?.length) Object.assign(merged, { [field]: value });
  }
  return merged;
}

/**
 * The extensions an instance gets. An extension with an image reference in neither place is
 * refused with the reason, as CloudNativePG refuses it (a catalog has no admission check of its own).
 */
export function mergeCatalogExtensions(own: readonly ExtensionConfiguration[], catalog: readonly ExtensionConfiguration[] | undefined, catalogName: string): ExtensionConfiguration[] {
  const byName = new Map((catalog ?? []).map((e) => [e.name, e]));
  return own.map((extension) => {
    const base = byName.get(extension.name);
    const merged = base ? overlay(base, extension) : extension;
    if (!merged.image?.reference) {
      throw new Error(`spec.postgresql.extensions: extension ${JSON.stringify(extension.name)} has no image.reference in the Cluster nor in ${catalogName}`);
    }
    return merged;
  });
}

/** The Cluster with its catalog entry's extensions merged in; as it is without a catalog, or without extensions. */
export async function withCatalogExtensions<C extends Cluster>(store: Pick<ResourceStore, 'get'>, cluster: C): Promise<C> {
  const ref = cluster.spec.imageCatalogRef;
  const own = cluster.spec.postgresql?.extensions ?? [];
  if (!ref || own.length === 0) return cluster;
  const namespace = ref.kind === 'ImageCatalog' ? (cluster.metadata.namespace ?? 'default') : undefined;
  const catalog = (await store.get(ref.kind, namespace, ref.name)) as CatalogObject | undefined;
  const entry = catalog?.spec?.images?.find((i) => i.major === ref.major);
  const extensions = mergeCatalogExtensions(own, entry?.extensions, `${ref.kind} ${JSON.stringify(ref.name)}`);
  return { ...cluster, spec: { ...cluster.spec, postgresql: { ...cluster.spec.postgresql, extensions } } };
}
