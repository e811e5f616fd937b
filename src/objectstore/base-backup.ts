// Uploading and reading a base backup's tars in barman-cloud's layout.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './blob-store.js';
import { dataTarKey, findTarParts } from './backup-files.js';
import type { BackupInfo } from './backup-info.js';
import { writeChunkIndex } from './chunk-index.js';
import { ChunkedTar } from './chunked-tar.js';
import { compressStream, decompressStream, isStreamingCompression, type Compression } from './compression.js';
import { ObjectStoreError } from './errors.js';

// Parts of 32 MiB allow a 320 GiB archive within S3's 10,000-part limit.
const PART_SIZE = 32 * 1024 * 1024;

/** Streams a tar of PGDATA through the compressor into data.tar[ext], `jobs` parts in flight. */
export async function uploadBaseBackupTar(
  store: BlobStore,
  serverName: string,
  backupId: string,
  tar: NodeJS.ReadableStream,
  opts: { compression?: Compression; jobs?: number },
): Promise<{ bytesIn: number; bytesStored: number }> {
  return uploadTar(store, dataTarKey(serverName, backupId, opts.compression), tar, opts);
}

export interface UploadTarOptions {
  compression?: Compression;
  /** Upload parts in flight. */
  jobs?: number;
  /** gzip and uncompressed tars: chunks of this many tar bytes, indexed for a parallel restore (chunked-tar.ts). */
  chunkBytes?: number;
}

/** Streams one tar through the compressor into the object `key`, `jobs` upload parts in flight. */
export async function uploadTar(store: BlobStore, key: string, tar: NodeJS.ReadableStream, opts: UploadTarOptions): Promise<{ bytesIn: number; bytesStored: number }> {
  refuseWalOnlyCompression(opts.compression);
  const bytesIn = counter();
  const bytesStored = counter();
  const chunked = opts.chunkBytes !== undefined && (opts.compression === 'gzip' || opts.compression === undefined) ? new ChunkedTar({ gzip: opts.compression === 'gzip', chunkBytes: opts.chunkBytes }) : undefined;
  const codec = chunked ?? compressStream(opts.compression);
  const producing = pipeline(tar, bytesIn.stream, codec, bytesStored.stream);
  const uploading = store.put(key, bytesStored.stream, {
    queueSize: opts.jobs ?? 2,
    partSizeBytes: PART_SIZE,
  });
  // If one side fails the other must not wait forever on a stalled stream.
  const stop = (err: unknown) => {
    bytesStored.stream.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  };
  await Promise.all([producing.catch(stop), uploading.catch(stop)]);
  if (chunked) await writeChunkIndex(store, key, chunked.index());
  return { bytesIn: bytesIn.count(), bytesStored: bytesStored.count() };
}

export function refuseWalOnlyCompression(compression: Compression | undefined): void {
  if (!isStreamingCompression(compression)) {
    throw new ObjectStoreError('invalid', `${compression} compression is supported for WAL only; use gzip, bzip2, snappy or zstd for base backups`);
  }
}

function counter(): { stream: Transform; count: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, count: () => n };
}

/**
 * The decompressed parts of one archive ('data' for PGDATA, a tablespace's oid), one stream per
 * part, in order. Each part is a complete tar of its own (barman closes one and opens the next
 * when it grows too large).
 */
export async function openBaseBackupParts(store: BlobStore, serverName: string, info: BackupInfo, base = 'data'): Promise<(() => Promise<NodeJS.ReadableStream>)[]> {
  const parts = await findTarParts(store, serverName, info.backupId, base);
  return parts.map((p) => async () => decompressed(await store.get(p.key), p.compression));
}

/** `source` through the decompressor, with errors on either side surfacing on the result. */
export function decompressed(source: NodeJS.ReadableStream, compression: Compression | undefined): NodeJS.ReadableStream {
  const out = decompressStream(compression);
  pipeline(source, out).catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

/**
 * The decompressed tar of PGDATA. Split backups come out as their parts one after another:
 * tar-stream reads that as one archive (GNU tar needs --ignore-zeros).
 */
export async function openBaseBackupTar(store: BlobStore, serverName: string, info: BackupInfo): Promise<NodeJS.ReadableStream> {
  const parts = await openBaseBackupParts(store, serverName, info);
  if (parts.length === 1 && parts[0]) return parts[0]();
  async function* concat(): AsyncGenerator<Buffer> {
    for (const open of parts) {
      for await (const chunk of await open()) yield chunk as Buffer;
    }
  }
  return Readable.from(concat(), { objectMode: false });
}
