// Pure: spec.postgresql.extensions as image volumes of an instance Pod, each mounted at
// /extensions/<name> as CloudNativePG mounts them (ImageVolume, Kubernetes 1.33 and later).
import type { Cluster } from '../../api/index.js';
import { extensionVolumeName } from '../../api/cluster-extensions.js';

type Json = Record<string, unknown>;

/** The instance manager finds each extension's folders under this (InstanceSpec.extensionsRoot). */
export const EXTENSIONS_MOUNT = '/extensions';

export function extensionVolumes(cluster: Cluster): { volumes: Json[]; mounts: Json[] } {
  const extensions = cluster.spec.postgresql?.extensions ?? [];
  return {
    volumes: extensions.map((e) => ({
      name: extensionVolumeName(e.name),
      image: { reference: e.image?.reference, ...(e.image?.pullPolicy ? { pullPolicy: e.image.pullPolicy } : {}) },
    })),
    mounts: extensions.map((e) => ({ name: extensionVolumeName(e.name), mountPath: `${EXTENSIONS_MOUNT}/${e.name}` })),
  };
}
