// The index beside a chunked tar object (chunked-tar.ts): <backup>/cnpg-chunks-<object>.json. Its
// name starts neither with "data" nor with a tablespace oid, so barman-cloud's get_backup_files
// never takes it for a part; deleting a backup deletes its whole folder, index included. It is
// read as untrusted input: a restore that cannot use it unpacks the object in one stream instead.
import { buffer } from 'node:stream/consumers';
import { z } from 'zod';
import type { BlobStore } from './blob-store.js';
import { isNotFound } from './errors.js';

export interface IndexedChunk {
  /** Where the chunk's bytes are in the object, and how many. */
  offset: number;
  length: number;
  /** Its tar bytes once inflated, and their CRC-32. */
  size: number;
  crc: number;
  /** The Adler-32 of its tar bytes (gzip chunks written since it was added): what a restore checks when present. */
  adler?: number;
  /** Set when the chunk starts inside a file's body: that entry's header blocks (base64) and the body bytes before. */
  resume?: { header: string; skip: number };
}

export interface ChunkIndex {
  version: 1;
  compression: 'gzip' | 'none';
  /** The whole tar's size. */
  size: number;
  chunks: IndexedChunk[];
}

const MAX_CHUNK = 1024 ** 3;
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const schema = z.object({
  version: z.literal(1),
  compression: z.enum(['gzip', 'none']),
  size: count,
  chunks: z.array(
    z.object({
      offset: count,
      length: count.max(MAX_CHUNK),
      size: count.max(MAX_CHUNK),
      crc: z.number().int().min(0).max(0xffffffff),
      adler: z.number().int().min(0).max(0xffffffff).optional(),
      resume: z.object({ header: z.string().max(65536).regex(/^[A-Za-z0-9+/]*={0,2}$/), skip: count }).optional(),
    }),
  ),
});

export function chunkIndexKey(objectKey: string): string {
  const slash = objectKey.lastIndexOf('/');
  return `${objectKey.slice(0, slash + 1)}cnpg-chunks-${objectKey.slice(slash + 1)}.json`;
}

export async function writeChunkIndex(store: BlobStore, objectKey: string, index: ChunkIndex): Promise<void> {
  await store.put(chunkIndexKey(objectKey), Buffer.from(JSON.stringify(index)));
}

/**
 * The object's index, or undefined when there is none (barman-cloud's backups, other codecs) or it
 * does not describe a contiguous object (then the object is read in one stream).
 */
export async function readChunkIndex(store: BlobStore, objectKey: string, compression: 'gzip' | 'none'): Promise<ChunkIndex | undefined> {
  let text: string;
  try {
    text = (await buffer(await store.get(chunkIndexKey(objectKey)))).toString('utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  let parsed: ChunkIndex;
  try {
    parsed = schema.parse(JSON.parse(text)) as ChunkIndex;
  } catch {
    return undefined;
  }
  return consistent(parsed, compression) ? parsed : undefined;
}

/** Chunks back to back from the gzip header on (or from 0), sizes adding up. */
export function consistent(index: ChunkIndex, compression: 'gzip' | 'none'): boolean {
  if (index.compression !== compression) return false;
  let offset = compression === 'gzip' ? 10 : 0;
  let size = 0;
  for (const c of index.chunks) {
    if (c.offset !== offset) return false;
    if (compression === 'none' && c.length !== c.size) return false;
    offset += c.length;
    size += c.size;
  }
  return size === index.size;
}
