// Where an instance keeps its WAL and tablespaces when the Cluster gives them volumes of their own
// (spec.walStorage, spec.tablespaces). The operator says what exists (StorageConfig); the platform
// says where each piece lives on this instance (StoragePlaces); the manager reads the result.

/** spec.walStorage and spec.tablespaces as every instance of the Cluster gets them. */
export interface StorageConfig {
  wal: boolean;
  tablespaces: TablespaceConfig[];
}

export interface TablespaceConfig {
  name: string;
  owner: string;
  temporary: boolean;
}

export interface TablespaceLayout extends TablespaceConfig {
  /** The folder holding this tablespace's files on this instance; the manager creates it. */
  directory: string;
  /**
   * What CREATE TABLESPACE … LOCATION names, the same string on every instance: a standby replaying
   * the primary's CREATE TABLESPACE links its pg_tblspc entry to it, and must land in its own folder.
   */
  location: string;
}

/** InstanceSpec.storage. */
export interface StorageLayout {
  /** pg_wal is a symbolic link to this folder. */
  walDirectory?: string;
  tablespaces: TablespaceLayout[];
}

export interface StoragePlaces {
  walDirectory: string;
  tablespaceDirectory: (name: string) => string;
  tablespaceLocation: (name: string) => string;
}

export function layOutStorage(config: StorageConfig | undefined, places: StoragePlaces): StorageLayout | undefined {
  if (!config) return undefined;
  return {
    ...(config.wal ? { walDirectory: places.walDirectory } : {}),
    tablespaces: config.tablespaces.map((t) => ({ ...t, directory: places.tablespaceDirectory(t.name), location: places.tablespaceLocation(t.name) })),
  };
}
