// Unpacking one chunk of a chunked tar (chunked-tar.ts) into a folder, while other chunks of the
// same archive unpack beside it: a file cut between chunks is written by each at its own
// offsets, so files are opened without truncation and never through a symlink (O_NOFOLLOW), each
// name may be announced by one header only, and modes, times and hard links wait for `finish`.
// The same path checks as the streaming extract (extract.ts) apply to every name.
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, rename, symlink, utimes, type FileHandle } from 'node:fs/promises';
import { ObjectStoreError } from './errors.js';
import { ensureParent, safeTarget } from './extract-paths.js';
import { applyMeta, BLOCK, decodeHeader, isMeta, isZeroBlock, paddedSize, type RawHeader } from './tar-header.js';

/** What the chunks of one archive share: the folder and what was made in it. */
export class UnpackTarget {
  readonly created: Set<string>;
  private readonly announced = new Set<string>();
  private readonly files = new Map<string, { mode: number; mtime: number }>();
  private readonly links: { from: string; to: string }[] = [];

  constructor(
    readonly root: string,
    readonly dirModes: Map<string, number>,
    /** Paths written under another path until `finish` (PGDATA's global/pg_control: no folder looks restored before the end). */
    private readonly heldBack: ReadonlyMap<string, string> = new Map(),
  ) {
    this.created = new Set([root]);
  }

  /** Where an archive name goes, refused when it leaves the folder. */
  place(name: string): string {
    const target = safeTarget(this.root, name);
    return this.heldBack.get(target) ?? target;
  }

  /** Claims a file's name for the header that announces it: a second header for it is refused. */
  announce(target: string, mode: number, mtime: number): void {
    if (this.announced.has(target)) throw new ObjectStoreError('invalid', `backup archive holds ${target} twice; refusing it`);
    this.announced.add(target);
    this.files.set(target, { mode, mtime });
  }

  /** A directory entry: made unless there (parents are made before their entries); its mode waits for the end. */
  async directory(target: string, name: string, mode: number): Promise<void> {
    await mkdir(target, { mode: 0o700 }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST' || !(await lstat(target)).isDirectory()) {
        throw new ObjectStoreError('invalid', `backup archive entry "${name}" replaces a non-directory; refusing it`);
      }
    });
    this.created.add(target);
    this.dirModes.set(target, mode);
  }

  hardLink(from: string, to: string): void {
    this.links.push({ from, to });
  }

  /** Once every chunk is written: hard links, then file modes and times. */
  async finish(): Promise<void> {
    for (const l of this.links) await link(l.to, l.from);
    await Promise.all(
      [...this.files].map(async ([path, f]) => {
        await chmod(path, f.mode);
        await utimes(path, f.mtime, f.mtime);
      }),
    );
    for (const [path, holding] of this.heldBack) if (this.announced.has(holding)) await rename(holding, path);
  }
}

interface OpenFile {
  target: string;
  fh?: FileHandle;
  position: number;
  /** File bytes still to write, then padding to skip. */
  left: number;
  pad: number;
}

/**
 * Writes a chunk's tar bytes, as they come (`pieces`: inflated a megabyte at a time, never held
 * whole), into the target; `resume` when the chunk starts inside a file's body.
 */
export async function unpackChunk(pieces: AsyncIterable<Buffer> | Iterable<Buffer>, resume: { header: Buffer; skip: number } | undefined, t: UnpackTarget): Promise<void> {
  let file: OpenFile | undefined;
  if (resume) {
    const h = headerOf(resume.header);
    if (h.flag !== '0' && h.flag !== '7') throw new ObjectStoreError('invalid', 'backup chunk index resumes an entry that is not a file');
    const padded = paddedSize(h.size);
    if (resume.skip > padded) throw new ObjectStoreError('invalid', 'backup chunk index resumes past the end of its file');
    const left = Math.max(0, h.size - resume.skip);
    file = { target: t.place(h.name), position: resume.skip, left, pad: padded - resume.skip - left };
  }
  let block = Buffer.alloc(BLOCK);
  let fill = 0;
  const metas: { flag: string; body: Buffer }[] = [];
  let meta: { flag: string; size: number; left: number; parts: Buffer[] } | undefined;
  try {
    for await (const piece of pieces) {
      let at = 0;
      while (at < piece.length) {
        if (file) {
          if (file.left > 0) {
            const n = Math.min(file.left, piece.length - at);
            await writeAt(t, file, piece.subarray(at, at + n));
            at += n;
          } else if (file.pad > 0) {
            const n = Math.min(file.pad, piece.length - at);
            file.pad -= n;
            at += n;
          } else {
            await closeFile(t, file);
            file = undefined;
          }
          continue;
        }
        if (meta) {
          const n = Math.min(meta.left, piece.length - at);
          meta.parts.push(piece.subarray(at, at + n));
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
        file = await writeEntry(t, h);
      }
    }
    if (fill > 0 || meta || metas.length > 0) throw new ObjectStoreError('invalid', 'backup chunk ends inside a tar header');
  } finally {
    if (file) await closeFile(t, file);
  }
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
async function writeEntry(t: UnpackTarget, h: RawHeader): Promise<OpenFile | undefined> {
  const target = t.place(h.name);
  if (target === t.root) return undefined;
  await ensureParent(t.root, target, t.created);
  const mode = h.mode & 0o7777;
  switch (h.flag) {
    case '5':
      await t.directory(target, h.name, mode);
      return undefined;
    case '0':
    case '7': {
      t.announce(target, mode, h.mtime);
      const file: OpenFile = { target, position: 0, left: h.size, pad: paddedSize(h.size) - h.size };
      // An empty file exists once its header is read.
      if (h.size === 0) await closeFile(t, file);
      return h.size === 0 ? undefined : file;
    }
    case '2':
      await symlink(h.linkname, target);
      return undefined;
    case '1':
      t.hardLink(target, t.place(h.linkname));
      return undefined;
    default:
      throw new ObjectStoreError('invalid', `backup archive entry "${h.name}" has unsupported type ${h.flag}`);
  }
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

/** Opens the file on first use (created if this chunk reaches it first), never through a symlink. */
async function handle(t: UnpackTarget, f: OpenFile): Promise<FileHandle> {
  if (f.fh) return f.fh;
  await ensureParent(t.root, f.target, t.created);
  f.fh = await open(f.target, OPEN_FLAGS, 0o600).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ELOOP') throw new ObjectStoreError('invalid', `backup archive writes through the symlink ${f.target}; refusing it`);
    throw e;
  });
  return f.fh;
}

async function writeAt(t: UnpackTarget, f: OpenFile, data: Buffer): Promise<void> {
  const fh = await handle(t, f);
  let done = 0;
  while (done < data.length) done += (await fh.write(data, done, data.length - done, f.position + done)).bytesWritten;
  f.position += data.length;
  f.left -= data.length;
}

async function closeFile(t: UnpackTarget, f: OpenFile): Promise<void> {
  const fh = f.fh ?? (await handle(t, f));
  f.fh = undefined;
  await fh.close();
}
