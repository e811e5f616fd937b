// Where a backup archive's entries may go: below the restore's folder only, and never below a
// symlink (one the archive itself made could point anywhere). Shared by the streaming extract
// (extract.ts) and the chunks unpacked in parallel (unpack-chunk.ts).
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ObjectStoreError } from './errors.js';

export function safeTarget(root: string, name: string): string {
  const clean = normalize(name.replace(/^\.\/+/, ''));
  const target = join(root, clean);
  const rel = relative(root, target);
  if (isAbsolute(name) || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ObjectStoreError('invalid', `backup archive entry "${name}" would be written outside ${root}; refusing it`);
  }
  return target;
}

/** Where an archive name goes below `root`, or the path it is held back under until the end. */
export function placeTarget(root: string, heldBack: ReadonlyMap<string, string>, name: string): string {
  const target = safeTarget(root, name);
  return heldBack.get(target) ?? target;
}

/**
 * Creates missing parents, refusing any existing parent that is not a real directory. Chunks
 * unpacked side by side may create the same parent: one that appears meanwhile is checked again.
 * Synchronous: it runs on the threads that unpack chunks, and a few metadata calls per entry do
 * not hold the streaming extract's thread up.
 */
export function ensureParent(root: string, target: string, created: Set<string>): void {
  const parent = dirname(target);
  if (created.has(parent)) return;
  let dir = root;
  for (const part of relative(root, parent).split(sep)) {
    dir = join(dir, part);
    if (created.has(dir)) continue;
    let st: Stats | undefined = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        st = lstatSync(dir);
      }
    }
    if (st && !st.isDirectory()) {
      throw new ObjectStoreError('invalid', `backup archive writes below "${relative(root, dir)}", which is not a directory (a symlink?); refusing it`);
    }
    created.add(dir);
  }
}

/**
 * A directory entry's folder: made, or already a real directory (a chunk beside may have made
 * it); anything else there is refused. Shared by the streaming extract and the chunk threads.
 */
export function makeDirectory(target: string, name: string): void {
  try {
    mkdirSync(target, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(target).isDirectory()) {
      throw new ObjectStoreError('invalid', `backup archive entry "${name}" replaces a non-directory; refusing it`);
    }
  }
}
