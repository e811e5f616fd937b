// The backup catalog: backup.info files under <server>/base/<id>/, read and written like
// barman-cloud's CloudBackupCatalog.
import { buffer } from 'node:stream/consumers';
import type { BlobStore } from './blob-store.js';
import { backupInfoKey, backupPrefix } from './backup-files.js';
import { parseBackupInfo, renderBackupInfo, type BackupInfo } from './backup-info.js';
import { ObjectStoreError } from './errors.js';

export interface Catalog {
  /** Readable backups, sorted by backup ID. */
  backups: BackupInfo[];
  /** Backups whose backup.info could not be read, and why; they are left alone. */
  unreadable: { backupId: string; reason: string }[];
}

export async function writeBackupInfo(store: BlobStore, serverName: string, info: BackupInfo): Promise<void> {
  if (!info.backupId) throw new ObjectStoreError('invalid', 'cannot write backup.info without a backup ID');
  await store.put(backupInfoKey(serverName, info.backupId), Buffer.from(renderBackupInfo({ serverName, ...info }), 'utf8'));
}

export async function readBackupInfo(store: BlobStore, serverName: string, backupId: string): Promise<BackupInfo> {
  const text = (await buffer(await store.get(backupInfoKey(serverName, backupId)))).toString('utf8');
  try {
    return parseBackupInfo(text, backupId);
  } catch (err) {
    throw new ObjectStoreError('invalid', `backup.info of backup ${backupId} in ${store.describe()} is unreadable: ${(err as Error).message}`, { cause: err });
  }
}

export async function readCatalog(store: BlobStore, serverName: string): Promise<Catalog> {
  const base = `${serverName}/base/`;
  const ids = new Set<string>();
  for (const e of await store.list(base)) {
    const rest = e.key.slice(base.length);
    if (rest.endsWith('/backup.info') && rest.indexOf('/') === rest.length - '/backup.info'.length) ids.add(rest.slice(0, rest.indexOf('/')));
  }
  const catalog: Catalog = { backups: [], unreadable: [] };
  for (const id of [...ids].sort()) {
    try {
      catalog.backups.push(await readBackupInfo(store, serverName, id));
    } catch (err) {
      if (err instanceof ObjectStoreError && err.kind !== 'invalid' && err.kind !== 'not-found') throw err;
      catalog.unreadable.push({ backupId: id, reason: (err as Error).message });
    }
  }
  return catalog;
}

export async function listBackups(store: BlobStore, serverName: string): Promise<BackupInfo[]> {
  return (await readCatalog(store, serverName)).backups;
}

/** Removes every object of the backup; backup.info goes last so a crash leaves it listed. */
export async function deleteBackup(store: BlobStore, serverName: string, backupId: string): Promise<void> {
  if (!/^[^/]+$/.test(backupId)) throw new ObjectStoreError('invalid', `invalid backup ID "${backupId}"`);
  const infoKey = backupInfoKey(serverName, backupId);
  const keys = (await store.list(backupPrefix(serverName, backupId))).map((e) => e.key);
  await store.delete(keys.filter((k) => k !== infoKey));
  await store.delete([infoKey]);
}
