// WAL archive and restore in barman-cloud's layout (see wal-names.ts). Objects are found by
// listing, whatever compression they were written with, as barman-cloud-wal-restore does.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './blob-store.js';
import { compressStream, decompressStream, type Compression } from './compression.js';
import { ObjectStoreError } from './errors.js';
import { writeFileAtomically } from './atomic-file.js';
import { isWalFileName, parseWalObjectName, walHashDir, walKey, walPrefix } from './wal-names.js';

export interface ArchivedWal {
  name: string;
  key: string;
  size: number;
  compression?: Compression;
}

/** Uploads a file from pg_wal (segment, .partial, .history or .backup). */
export async function archiveWal(store: BlobStore, serverName: string, walPath: string, opts: { compression?: Compression }): Promise<void> {
  const name = basename(walPath);
  if (!isWalFileName(name)) throw new ObjectStoreError('invalid', `"${walPath}" is not a WAL file (expected a segment, .partial, .history or .backup name)`);
  let data: Buffer;
  try {
    data = await readFile(walPath);
  } catch (err) {
    throw new ObjectStoreError('not-found', `cannot read WAL file ${walPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  // WAL segments are small (16 MB by default): compress in memory, upload in one request.
  const compressed = opts.compression ? await compressBuffer(data, opts.compression) : data;
  await store.put(walKey(serverName, name, opts.compression), compressed);
}

async function compressBuffer(data: Buffer, compression: Compression): Promise<Buffer> {
  const codec = compressStream(compression, true);
  const [out] = await Promise.all([buffer(codec), pipeline(Readable.from([data]), codec)]);
  return out;
}

/** Finds `walName` in any compression and writes it, decompressed, to destPath atomically. */
export async function restoreWal(store: BlobStore, serverName: string, walName: string, destPath: string): Promise<'restored' | 'missing'> {
  if (!isWalFileName(walName)) throw new ObjectStoreError('invalid', `"${walName}" is not a WAL file name`);
  const dir = walHashDir(walName);
  const candidates = (await store.list(`${walPrefix(serverName)}${dir ? `${dir}/` : ''}${walName}`))
    .map((e) => ({ entry: e, parsed: parseWalObjectName(e.key.slice(e.key.lastIndexOf('/') + 1)) }))
    .filter((c) => c.parsed?.name === walName);
  const found = candidates[0];
  if (!found) return 'missing';
  const body = await store.get(found.entry.key);
  await writeFileAtomically(destPath, [body, decompressStream(found.parsed?.compression)]);
  return 'restored';
}

/** Every WAL-archive object of the server (segments, partials, backup labels, history), by name. */
export async function listWals(store: BlobStore, serverName: string): Promise<ArchivedWal[]> {
  const out: ArchivedWal[] = [];
  for (const e of await store.list(walPrefix(serverName))) {
    const parsed = parseWalObjectName(e.key.slice(e.key.lastIndexOf('/') + 1));
    if (!parsed) continue;
    out.push({ name: parsed.name, key: e.key, size: e.size, ...(parsed.compression ? { compression: parsed.compression } : {}) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when the server folder already holds WAL: recovering into it must then be refused. */
export async function archiveHasWals(store: BlobStore, serverName: string): Promise<boolean> {
  return (await listWals(store, serverName)).length > 0;
}
