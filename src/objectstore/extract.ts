// Extracting a base backup into an empty PGDATA (and its tablespaces into their empty folders),
// with every core: the archives' parts, and the chunks of each gzip or plain part that has a
// chunk index (chunked-tar.ts), download, inflate and unpack side by side, `concurrency` at a
// time (default: the cores), the chunks on threads of their own (unpack-workers.ts). A part
// without an index (barman-cloud's, other codecs) unpacks as one stream with tar-stream. The
// archive is untrusted input: entries whose path leaves the folder, or that would write through a
// symlink, are refused (extract-paths.ts). Symlinks themselves may point anywhere (pg_wal and
// pg_tblspc entries legitimately do). global/pg_control gets its name only once everything else
// is in place, and a failure empties the folders again: nothing that looks restored is left behind.
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import type { BlobStore } from './blob-store.js';
import { findTarParts, type TarPart } from './backup-files.js';
import { decompressed } from './base-backup.js';
import type { BackupInfo } from './backup-info.js';
import { readChunkIndex, type ChunkIndex, type IndexedChunk } from './chunk-index.js';
import { wrappedChunk } from './chunk-wrappers.js';
import { ObjectStoreError } from './errors.js';
import { ensureParent } from './extract-paths.js';
import { TaskPool } from './task-pool.js';
import type { ChunkTask } from './unpack-chunk.js';
import { UnpackTarget } from './unpack-target.js';
import { UnpackWorkers } from './unpack-workers.js';

/** Where one of the backup's tablespaces goes: its folder, and what pg_tblspc/<oid> links to. */
export interface TablespaceTarget {
  oid: number;
  directory: string;
  link: string;
}

export interface ExtractOptions {
  /** Parts and chunks unpacked at once; default os.availableParallelism(). */
  concurrency?: number;
}

const HOLDING_SUFFIX = '.cnpg-restoring';

/**
 * PGDATA's archive into `pgdata`, and each tablespace's `<oid>.tar` into its target's folder, with
 * pg_tblspc/<oid> linked to it, as barman-cloud-restore does. Every backup tablespace needs a
 * target, and every folder must be empty: both checked before anything is written.
 */
export async function extractBaseBackup(
  store: BlobStore,
  serverName: string,
  info: BackupInfo,
  pgdata: string,
  tablespaces: readonly TablespaceTarget[] = [],
  opts: ExtractOptions = {},
): Promise<void> {
  const targets = (info.tablespaces ?? []).map((t) => {
    const target = tablespaces.find((x) => x.oid === t.oid);
    if (!target) throw new ObjectStoreError('invalid', `backup ${info.backupId} contains tablespace "${t.name}" (oid ${t.oid}) and no folder was given for it`);
    return target;
  });
  await ensureEmptyDir(pgdata);
  for (const t of targets) await ensureEmptyDir(t.directory);
  const dirModes = new Map<string, number>();
  const control = join(pgdata, 'global', 'pg_control');
  const archives = [
    { base: 'data', into: new UnpackTarget(pgdata, dirModes, new Map([[control, control + HOLDING_SUFFIX]])) },
    ...targets.map((t) => ({ base: String(t.oid), into: new UnpackTarget(t.directory, dirModes) })),
  ];
  const concurrency = opts.concurrency ?? availableParallelism();
  const pool = new TaskPool(concurrency);
  const threads = new UnpackWorkers(concurrency);
  try {
    try {
      for (const a of archives) {
        for (const part of await findTarParts(store, serverName, info.backupId, a.base)) await restorePart(store, part, a.into, pool, threads);
      }
    } finally {
      await pool.idle().finally(() => threads.close());
    }
    for (const a of archives) await a.into.finish();
    for (const t of targets) {
      const link = join(pgdata, 'pg_tblspc', String(t.oid));
      await mkdir(dirname(link), { recursive: true, mode: 0o700 });
      await rm(link, { force: true });
      await symlink(t.link, link);
    }
    // pg_wal may have been left out of the archive (barman-cloud-restore recreates it too).
    const walDir = join(pgdata, (info.version ?? 100000) >= 100000 ? 'pg_wal' : 'pg_xlog');
    await mkdir(walDir, { recursive: true, mode: 0o700 });
    // Directory modes last and deepest first, so a read-only directory does not block its own contents.
    const dirs = [...dirModes].sort((a, b) => b[0].split(sep).length - a[0].split(sep).length);
    for (const [dir, mode] of dirs) await chmod(dir, mode);
  } catch (e) {
    for (const dir of [pgdata, ...targets.map((t) => t.directory)]) await emptyDir(dir);
    throw e;
  }
}

async function ensureEmptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dir);
  if (entries.length > 0) throw new ObjectStoreError('invalid', `cannot restore into ${dir}: the directory is not empty`);
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) await rm(join(dir, name), { recursive: true, force: true });
}

/** One part: chunk by chunk when it has a usable index, else as one stream (one task). */
async function restorePart(store: BlobStore, part: TarPart, into: UnpackTarget, pool: TaskPool, threads: UnpackWorkers): Promise<void> {
  const kind = part.compression === 'gzip' ? 'gzip' : part.compression === undefined ? 'none' : undefined;
  const index = kind ? await readChunkIndex(store, part.key, kind) : undefined;
  if (!index) {
    await pool.run(async () => extractTar(decompressed(await store.get(part.key), part.compression), into));
    return;
  }
  await unpackIndexed(await store.get(part.key), index, into, pool, threads);
}

/**
 * Reads the object once, in order, handing each chunk to the pool as soon as its bytes are in:
 * the download waits while every place is taken, so at most a few chunks are held in memory.
 */
async function unpackIndexed(source: NodeJS.ReadableStream, index: ChunkIndex, into: UnpackTarget, pool: TaskPool, threads: UnpackWorkers): Promise<void> {
  const gzip = index.compression === 'gzip';
  const tail = gzip ? 10 : 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let heldFrom = 0;
  let next = 0;
  let seen = 0;
  try {
    for await (const piece of source as AsyncIterable<Buffer>) {
      held.push(piece);
      heldBytes += piece.length;
      seen += piece.length;
      const c0 = index.chunks[next];
      if (!c0 || heldFrom + heldBytes < c0.offset + c0.length) continue;
      const all = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
      let c = c0;
      while (c && heldFrom + heldBytes >= c.offset + c.length) {
        const task = chunkTask(all.subarray(c.offset - heldFrom, c.offset - heldFrom + c.length), c, gzip, into);
        await pool.run(async () => into.merge(await threads.unpack(task)));
        next += 1;
        c = index.chunks[next]!;
      }
      const used = (index.chunks[next - 1]?.offset ?? 0) + (index.chunks[next - 1]?.length ?? 0) - heldFrom;
      held = [all.subarray(used)];
      heldFrom += used;
      heldBytes -= used;
    }
  } catch (e) {
    // The download stops with the restore; the tasks already started finish (pool.idle).
    (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw e;
  }
  const end = (index.chunks.at(-1)?.offset ?? (gzip ? 10 : 0)) + (index.chunks.at(-1)?.length ?? 0) + tail;
  if (next !== index.chunks.length || seen !== end) {
    throw new ObjectStoreError('invalid', `backup object is ${seen} bytes and holds ${next} of its ${index.chunks.length} chunks; its index expects ${end} bytes`);
  }
}

/**
 * What a thread needs to unpack the chunk, its bytes in memory of their own (moved to the thread).
 * A compressed chunk becomes a stream of its own that zlib checks on the thread that inflates it:
 * against its Adler-32 when the index has one, else its CRC-32 (chunk-wrappers.ts).
 */
function chunkTask(bytes: Buffer, chunk: IndexedChunk, gzip: boolean, into: UnpackTarget): ChunkTask {
  const check = chunk.adler === undefined ? { crc: chunk.crc, size: chunk.size } : { adler: chunk.adler };
  return {
    root: into.root,
    heldBack: [...into.heldBack],
    bytes: gzip ? wrappedChunk(bytes, check) : new Uint8Array(bytes),
    format: !gzip ? 'tar' : 'adler' in check ? 'zlib' : 'gzip',
    size: chunk.size,
    ...(chunk.resume ? { resume: { header: new Uint8Array(Buffer.from(chunk.resume.header, 'base64')), skip: chunk.resume.skip } } : {}),
  };
}

/** Unpacks one tar stream (a part without a chunk index) into the target. */
async function extractTar(tar: NodeJS.ReadableStream, into: UnpackTarget): Promise<void> {
  const ex = tarExtract();
  const extracting = (async () => {
    for await (const entry of ex) {
      try {
        await writeEntry(entry.header, entry, into);
      } finally {
        entry.resume();
      }
    }
  })();
  await Promise.all([pipeline(tar, ex), extracting]);
}

async function writeEntry(h: Header, body: AsyncIterable<unknown>, into: UnpackTarget): Promise<void> {
  const target = into.place(h.name);
  if (target === into.root) return;
  ensureParent(into.root, target, into.created);
  const mode = (h.mode ?? 0o600) & 0o7777;
  switch (h.type) {
    case 'directory':
      into.directory(target, h.name, mode);
      return;
    case 'file':
    case 'contiguous-file':
      into.announce(target, mode, Math.floor((h.mtime ?? new Date()).getTime() / 1000));
      await pipeline(body, createWriteStream(target, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 }));
      return;
    case 'symlink':
      await symlink(h.linkname ?? '', target);
      return;
    case 'link':
      into.hardLink(target, into.place(h.linkname ?? ''));
      return;
    default:
      // FIFOs, devices and other special files never belong in PGDATA.
      throw new ObjectStoreError('invalid', `backup archive entry "${h.name}" has unsupported type ${h.type ?? 'unknown'}`);
  }
}
