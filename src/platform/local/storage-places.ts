// Local instances keep WAL and tablespaces in folders of their own beside PGDATA, owned by the
// instance's user: <instance>/wal and <instance>/tablespaces/<name>.
import { join } from 'node:path';
import { PROCESS_DATA_DIR, TABLESPACE_LINK } from '../../instance/storage.js';
import { layOutStorage, type StorageConfig, type StorageLayout } from '../../instance/storage-layout.js';

/**
 * Every instance of a cluster runs on this machine, so a location naming one instance's folder
 * would send a standby's replay of CREATE TABLESPACE into the primary's. The location goes through
 * the server's working folder instead (its PGDATA), which resolves to each instance's own.
 */
export function localStorage(config: StorageConfig | undefined, instanceDir: string): StorageLayout | undefined {
  return layOutStorage(config, {
    walDirectory: join(instanceDir, 'wal'),
    tablespaceDirectory: (name) => join(instanceDir, 'tablespaces', name),
    tablespaceLocation: (name) => `${PROCESS_DATA_DIR}/${TABLESPACE_LINK}/${name}`,
  });
}
