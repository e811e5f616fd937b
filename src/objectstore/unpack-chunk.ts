// Unpacking one chunk of a chunked tar (chunked-tar.ts) into a folder, synchronously, on a worker
// thread (unpack-workers.ts), while other chunks of the same archive unpack beside it: a file cut
// between chunks is written by each at its own offsets, so files are opened without truncation
// and never through a symlink (O_NOFOLLOW), and sized to their whole length at once (two threads
// extending one file measured slower than one). Modes, times, hard links and the check that each
// name is announced once are left to the caller (the ChunkOutcome, merged by UnpackTarget). The
// same path checks as the streaming extract (extract.ts) apply to every name.
import { closeSync, constants, ftruncateSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { ObjectStoreError } from './errors.js';
import { ensureParent, makeDirectory, placeTarget } from './extract-paths.js';
import { inflateInto } from './inflate-into.js';
import { applyMeta, BLOCK, decodeHeader, isMeta, isZeroBlock, paddedSize, type RawHeader } from './tar-header.js';
import type { ChunkOutcome } from './unpack-target.js';

/** One chunk, as the worker gets it. */
export interface ChunkTask {
  root: string;
  heldBack: [from: string, to: string][];
  /** The chunk's bytes: a gzip member or zlib stream of its own (chunk-wrappers.ts), or plain tar. */
  bytes: Uint8Array;
  format: 'gzip' | 'zlib' | 'tar';
  /** Its tar bytes' length. */
  size: number;
  /** When the chunk starts inside a file's body: that entry's header blocks and the body bytes before. */
  resume?: { header: Uint8Array; skip: number };
}

interface OpenFile {
  target: string;
  /** The whole file's size, whichever chunk writes which part of it. */
  size: number;
  fd?: number;
  position: number;
  /** File bytes still to write, then padding to skip. */
  left: number;
  pad: number;
}

/** The tar bytes of the chunk written into its folder; `out` is the thread's inflate buffer. */
export function unpackChunk(task: ChunkTask, out: Buffer): ChunkOutcome {
  const heldBack = new Map(task.heldBack);
  const place = (name: string) => placeTarget(task.root, heldBack, name);
  const created = new Set([task.root]);
  const outcome: ChunkOutcome = { files: [], dirs: [], links: [] };
  let file: OpenFile | undefined;
  if (task.resume) {
    const h = headerOf(Buffer.from(task.resume.header));
    if (h.flag !== '0' && h.flag !== '7') throw new ObjectStoreError('invalid', 'backup chunk index resumes an entry that is not a file');
    const padded = paddedSize(h.size);
    if (task.resume.skip > padded) throw new ObjectStoreError('invalid', 'backup chunk index resumes past the end of its file');
    const left = Math.max(0, h.size - task.resume.skip);
    file = { target: place(h.name), size: h.size, position: task.resume.skip, left, pad: padded - task.resume.skip - left };
  }
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  let block = Buffer.alloc(BLOCK);
  let fill = 0;
  let seen = 0;
  const metas: { flag: string; body: Buffer }[] = [];
  let meta: { flag: string; size: number; left: number; parts: Buffer[] } | undefined;
  try {
    for (const piece of task.format === 'tar' ? [bytes] : inflateInto(bytes, out, task.format)) {
      seen += piece.length;
      if (seen > task.size) break;
      let at = 0;
      while (at < piece.length) {
        if (file) {
          if (file.left > 0) {
            const n = Math.min(file.left, piece.length - at);
            writeAt(task.root, created, file, piece.subarray(at, at + n));
            at += n;
          } else if (file.pad > 0) {
            const n = Math.min(file.pad, piece.length - at);
            file.pad -= n;
            at += n;
          } else {
            closeFile(task.root, created, file);
            file = undefined;
          }
          continue;
        }
        if (meta) {
          const n = Math.min(meta.left, piece.length - at);
          // A copy: the piece's buffer is reused for the next piece.
          meta.parts.push(Buffer.from(piece.subarray(at, at + n)));
          meta.left -= n;
          at += n;
          if (meta.left === 0) {
            metas.push({ flag: meta.flag, body: Buffer.concat(meta.parts).subarray(0, meta.size) });
            meta = undefined;
          }
          continue;
        }
        const n = Math.min(BLOCK - fill, piece.length - at);
        piece.copy(block, fill, at, at + n);
        fill += n;
        at += n;
        if (fill < BLOCK) continue;
        fill = 0;
        if (isZeroBlock(block) && metas.length === 0) continue;
        let h: RawHeader = decodeHeader(block);
        block = Buffer.alloc(BLOCK);
        if (isMeta(h.flag)) {
          if (h.size > 1024 * 1024) throw new ObjectStoreError('invalid', `backup archive has a ${h.size}-byte extended header; refusing it`);
          meta = { flag: h.flag, size: h.size, left: paddedSize(h.size), parts: [] };
          if (meta.left === 0) {
            metas.push({ flag: h.flag, body: Buffer.alloc(0) });
            meta = undefined;
          }
          continue;
        }
        for (const m of metas.splice(0)) h = applyMeta(m, h);
        file = writeEntry(task.root, created, place, outcome, h);
      }
    }
    if (seen !== task.size) throw new ObjectStoreError('invalid', `backup chunk inflates to ${seen > task.size ? 'more than ' : ''}${seen} bytes, its index says ${task.size}`);
    if (fill > 0 || meta || metas.length > 0) throw new ObjectStoreError('invalid', 'backup chunk ends inside a tar header');
  } finally {
    if (file) closeFile(task.root, created, file);
  }
  return outcome;
}

function headerOf(blocks: Buffer): RawHeader {
  let at = 0;
  const metas: { flag: string; body: Buffer }[] = [];
  for (;;) {
    let h = decodeHeader(blocks.subarray(at, at + BLOCK));
    at += BLOCK;
    if (!isMeta(h.flag)) {
      for (const m of metas) h = applyMeta(m, h);
      return h;
    }
    metas.push({ flag: h.flag, body: blocks.subarray(at, at + h.size) });
    at += paddedSize(h.size);
  }
}

/** Makes a directory, link or file; a file is returned open for its body. */
function writeEntry(root: string, created: Set<string>, place: (name: string) => string, outcome: ChunkOutcome, h: RawHeader): OpenFile | undefined {
  const target = place(h.name);
  if (target === root) return undefined;
  ensureParent(root, target, created);
  const mode = h.mode & 0o7777;
  switch (h.flag) {
    case '5':
      makeDirectory(target, h.name);
      created.add(target);
      outcome.dirs.push([target, mode]);
      return undefined;
    case '0':
    case '7': {
      outcome.files.push([target, mode, h.mtime]);
      const file: OpenFile = { target, size: h.size, position: 0, left: h.size, pad: paddedSize(h.size) - h.size };
      // An empty file exists once its header is read.
      if (h.size === 0) closeFile(root, created, file);
      return h.size === 0 ? undefined : file;
    }
    case '2':
      symlinkSync(h.linkname, target);
      return undefined;
    case '1':
      outcome.links.push([target, place(h.linkname)]);
      return undefined;
    default:
      throw new ObjectStoreError('invalid', `backup archive entry "${h.name}" has unsupported type ${h.flag}`);
  }
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

/** Opens the file on first use (created if this chunk reaches it first), never through a symlink. */
function handle(root: string, created: Set<string>, f: OpenFile): number {
  if (f.fd !== undefined) return f.fd;
  ensureParent(root, f.target, created);
  try {
    f.fd = openSync(f.target, OPEN_FLAGS, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new ObjectStoreError('invalid', `backup archive writes through the symlink ${f.target}; refusing it`);
    throw e;
  }
  ftruncateSync(f.fd, f.size);
  return f.fd;
}

function writeAt(root: string, created: Set<string>, f: OpenFile, data: Buffer): void {
  const fd = handle(root, created, f);
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, f.position + done);
  f.position += data.length;
  f.left -= data.length;
}

function closeFile(root: string, created: Set<string>, f: OpenFile): void {
  const fd = f.fd ?? handle(root, created, f);
  f.fd = undefined;
  closeSync(fd);
}
