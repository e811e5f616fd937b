// One archive of a base backup ('data' for PGDATA, a tablespace's oid) written into the object
// store entry by entry: each entry goes into a tar that is compressed and uploaded as it grows,
// never staged on disk. An archive grown past maxPartBytes is closed at the next entry boundary
// and continued in the next part (<base>_0001.tar…, barman-cloud's naming): every part is a
// complete tar of its own, compressed on its own, so that parts can be restored independently.
import { Readable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { BlobStore } from './blob-store.js';
import { tarKey } from './backup-files.js';
import { refuseWalOnlyCompression, uploadTar } from './base-backup.js';
import { DEFAULT_CHUNK_BYTES } from './chunked-tar.js';
import type { Compression } from './compression.js';

export interface TarEntry {
  /** Relative to the archive's root, '/'-separated. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  mtime: Date;
  uid?: number;
  gid?: number;
  /** Files: the size the header promises; the body is padded with zeros or cut to it. */
  size?: number;
  linkname?: string;
}

export interface TarArchiveOptions {
  compression?: Compression;
  /** Upload parts in flight per object. */
  jobs?: number;
  /** Uncompressed bytes after which the next entry opens a new part (barman's --max-archive-size). */
  maxPartBytes?: number;
  /** gzip and uncompressed parts: tar bytes per independently unpackable chunk (chunked-tar.ts). */
  chunkBytes?: number;
}

/**
 * Far below barman-cloud-backup's 100 GiB: parts restore in parallel, which is what a codec
 * without chunks (bzip2, snappy, zstd) has; gzip and plain parts also restore chunk by chunk.
 */
export const DEFAULT_MAX_PART_BYTES = 256 * 1024 ** 2;
const BLOCK = 512;

interface OpenPart {
  pack: Pack;
  uploaded: Promise<{ bytesIn: number; bytesStored: number }>;
  failure: Promise<never>;
  bytes: number;
}

export interface ArchiveTotals {
  parts: number;
  bytesIn: number;
  bytesStored: number;
}

export class TarArchiveUpload {
  private current?: OpenPart;
  private partsDone = 0;
  private readonly totals: ArchiveTotals = { parts: 0, bytesIn: 0, bytesStored: 0 };

  constructor(
    private readonly store: BlobStore,
    private readonly serverName: string,
    private readonly backupId: string,
    private readonly base: string,
    private readonly opts: TarArchiveOptions = {},
  ) {
    refuseWalOnlyCompression(opts.compression);
  }

  /** Adds one entry; a file's body is read only as the upload takes it. */
  async add(entry: TarEntry, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    const part = await this.part();
    const size = entry.type === 'file' ? (entry.size ?? (Buffer.isBuffer(body) ? body.length : 0)) : 0;
    const header = {
      name: entry.name,
      type: entry.type,
      mode: entry.mode & 0o7777,
      mtime: entry.mtime,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size,
      ...(entry.type === 'symlink' ? { linkname: entry.linkname ?? '' } : {}),
    };
    const written = new Promise<void>((resolve, reject) => {
      const sink = part.pack.entry(header, (err) => (err ? reject(err) : resolve()));
      if (entry.type !== 'file') return;
      writeExactly(sink, body, size).then(
        () => sink.end(() => undefined),
        (err: unknown) => sink.destroy(err instanceof Error ? err : new Error(String(err))),
      );
    });
    await Promise.race([written, part.failure]);
    part.bytes += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (part.bytes >= (this.opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES)) await this.closePart();
  }

  /** Closes the last part; resolves once every part is durable in the store. */
  async finish(): Promise<ArchiveTotals> {
    if (this.partsDone === 0 && !this.current) await this.part();
    await this.closePart();
    return { ...this.totals };
  }

  /** Stops the upload under way (its multipart upload is abandoned). */
  abort(err: Error): void {
    this.current?.pack.destroy(err);
    this.current = undefined;
  }

  private async part(): Promise<OpenPart> {
    if (this.current) return this.current;
    const pack = tarPack();
    const key = tarKey(this.serverName, this.backupId, this.base, this.opts.compression, this.partsDone);
    // Through Node's Readable: the pack is a streamx stream, which Node's pipeline does not know.
    const uploaded = uploadTar(this.store, key, Readable.from(pack), { compression: this.opts.compression, jobs: this.opts.jobs, chunkBytes: this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES });
    const failure = uploaded.then(() => new Promise<never>(() => undefined));
    failure.catch(() => undefined);
    this.current = { pack, uploaded, failure, bytes: 0 };
    return this.current;
  }

  private async closePart(): Promise<void> {
    const part = this.current;
    if (!part) return;
    this.current = undefined;
    part.pack.finalize();
    const r = await part.uploaded;
    this.partsDone += 1;
    this.totals.parts += 1;
    this.totals.bytesIn += r.bytesIn;
    this.totals.bytesStored += r.bytesStored;
  }
}

interface EntrySink {
  write(chunk: Buffer): boolean;
  once(event: 'drain', fn: () => void): unknown;
}

/**
 * Exactly `size` bytes of `body` into the entry, as tar and barman do with a file that changed
 * while read: the part beyond the size taken when the header was written is left out, and a file
 * that shrank is padded with zeros (WAL replay from the backup's start rewrites those pages).
 */
async function writeExactly(sink: EntrySink, body: Buffer | AsyncIterable<Buffer> | undefined, size: number): Promise<void> {
  let written = 0;
  const put = async (chunk: Buffer) => {
    if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
    written += chunk.length;
  };
  const chunks: AsyncIterable<Buffer> | Buffer[] = body === undefined ? [] : Buffer.isBuffer(body) ? [body] : body;
  for await (const chunk of chunks) {
    if (written >= size) break;
    await put(chunk.length > size - written ? chunk.subarray(0, size - written) : chunk);
  }
  const zeros = Buffer.alloc(Math.min(1 << 16, size - written));
  while (written < size) await put(zeros.subarray(0, Math.min(zeros.length, size - written)));
}
