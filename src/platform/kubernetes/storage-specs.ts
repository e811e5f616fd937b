// The claims and mounts of spec.walStorage and spec.tablespaces in an instance Pod, named as
// CloudNativePG names them: `<pod>-wal` at /var/lib/postgresql/wal, `<pod>-tbs-<name>` at
// /var/lib/postgresql/tablespaces/<name>, whose `data` folder is the tablespace's location.
import type { Cluster } from '../../api/index.js';
import { tablespacePvcName, tablespaceVolumeName } from '../../api/tablespaces.js';
import { layOutStorage, type StorageConfig, type StorageLayout } from '../../instance/storage-layout.js';
import type { PvcRole } from '../../api/volumes.js';

export const WAL_MOUNT = '/var/lib/postgresql/wal';
export const TABLESPACES_MOUNT = '/var/lib/postgresql/tablespaces';

export function storageOf(cluster: Cluster, role: PvcRole, tablespace?: string): unknown {
  if (role === 'PG_DATA') return cluster.spec.storage;
  if (role === 'PG_WAL') return cluster.spec.walStorage;
  return cluster.spec.tablespaces?.find((t) => t.name === tablespace)?.storage;
}

/** Every claim an instance has, in a fixed order. */
export function instanceClaims(cluster: Cluster): { role: PvcRole; tablespace?: string }[] {
  return [
    { role: 'PG_DATA' },
    ...(cluster.spec.walStorage ? [{ role: 'PG_WAL' as const }] : []),
    ...[...(cluster.spec.tablespaces ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({ role: 'PG_TABLESPACE' as const, tablespace: t.name })),
  ];
}

/** Sorted by name: the Pod spec, and so its digest, must not change with the order of spec.tablespaces. */
export function tablespaceVolumes(cluster: Cluster, instance: string) {
  const names = (cluster.spec.tablespaces ?? []).map((t) => t.name).sort();
  return {
    mounts: names.map((n) => ({ name: tablespaceVolumeName(n), mountPath: `${TABLESPACES_MOUNT}/${n}` })),
    volumes: names.map((n) => ({ name: tablespaceVolumeName(n), persistentVolumeClaim: { claimName: tablespacePvcName(instance, n) } })),
  };
}

/** In a Pod, each piece is where its volume is mounted; the location is the same path in every Pod. */
export function podStorage(config: StorageConfig | undefined): StorageLayout | undefined {
  return layOutStorage(config, {
    walDirectory: `${WAL_MOUNT}/pg_wal`,
    tablespaceDirectory: (name) => `${TABLESPACES_MOUNT}/${name}/data`,
    tablespaceLocation: (name) => `${TABLESPACES_MOUNT}/${name}/data`,
  });
}
