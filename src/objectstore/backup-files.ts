// Where a base backup's tar files live, found as barman-cloud's get_backup_files finds them:
// <server>/base/<id>/data.tar[ext] for PGDATA, <oid>.tar[ext] per tablespace, and when an
// archive grew past --max-archive-size, further parts <base>_0001.tar[ext], <base>_0002.tar…
import type { BlobStore } from './blob-store.js';
import { compressionExtension, compressionOfExtension, type Compression } from './compression.js';
import { ObjectStoreError } from './errors.js';

export interface TarPart {
  key: string;
  compression?: Compression;
}

export function backupPrefix(serverName: string, backupId: string): string {
  return `${serverName}/base/${backupId}/`;
}

export function backupInfoKey(serverName: string, backupId: string): string {
  return `${backupPrefix(serverName, backupId)}backup.info`;
}

/** The key of one part of an archive: `base` is 'data' for PGDATA or a tablespace's oid. */
export function tarKey(serverName: string, backupId: string, base: string, compression?: Compression, part = 0): string {
  const suffix = part > 0 ? `_${String(part).padStart(4, '0')}` : '';
  return `${backupPrefix(serverName, backupId)}${base}${suffix}.tar${compressionExtension(compression)}`;
}

export function dataTarKey(serverName: string, backupId: string, compression?: Compression, part = 0): string {
  return tarKey(serverName, backupId, 'data', compression, part);
}

/**
 * Splits an object name like 'data_0002.tar.gz' into its base ('data' or a tablespace oid),
 * part number and compression; undefined for anything else (backup.info, backup_label, …).
 */
export function parseTarName(name: string): { base: string; part: number; compression?: Compression } | undefined {
  const m = /^([^_.]+)(?:_(\d{4,}))?\.tar(\.[a-z0-9]+)?$/.exec(name);
  if (!m?.[1]) return undefined;
  const compression = m[3] ? compressionOfExtension(m[3]) : undefined;
  if (m[3] && !compression) return undefined;
  return { base: m[1], part: m[2] ? Number(m[2]) : 0, ...(compression ? { compression } : {}) };
}

/** The tar parts of one archive ('data' or a tablespace oid), in restore order. */
export async function findTarParts(store: BlobStore, serverName: string, backupId: string, base: string): Promise<TarPart[]> {
  const prefix = backupPrefix(serverName, backupId);
  const parts: { part: number; key: string; compression?: Compression }[] = [];
  for (const e of await store.list(prefix)) {
    const parsed = parseTarName(e.key.slice(prefix.length));
    if (parsed?.base !== base) continue;
    parts.push({ part: parsed.part, key: e.key, ...(parsed.compression ? { compression: parsed.compression } : {}) });
  }
  parts.sort((a, b) => a.part - b.part);
  if (parts[0]?.part !== 0) {
    throw new ObjectStoreError('not-found', `backup ${backupId} of server ${serverName} has no ${base}.tar file in ${store.describe()}`);
  }
  return parts.map(({ key, compression }) => ({ key, ...(compression ? { compression } : {}) }));
}
