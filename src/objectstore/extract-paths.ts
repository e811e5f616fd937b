// Where a backup archive's entries may go: below the restore's folder only, and never below a
// symlink (one the archive itself made could point anywhere). Shared by the streaming extract
// (extract.ts) and the chunks unpacked in parallel (unpack-chunk.ts).
import { lstat, mkdir } from 'node:fs/promises';
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

/**
 * Creates missing parents, refusing any existing parent that is not a real directory. Chunks
 * unpacked side by side may create the same parent: one that appears meanwhile is checked again.
 */
export async function ensureParent(root: string, target: string, created: Set<string>): Promise<void> {
  const parent = dirname(target);
  if (created.has(parent)) return;
  let dir = root;
  for (const part of relative(root, parent).split(sep)) {
    dir = join(dir, part);
    if (created.has(dir)) continue;
    let st = await lstat(dir).catch(() => undefined);
    if (!st) {
      const made = await mkdir(dir, { mode: 0o700 }).then(
        () => true,
        (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
      );
      if (!made) st = await lstat(dir);
    }
    if (st && !st.isDirectory()) {
      throw new ObjectStoreError('invalid', `backup archive writes below "${relative(root, dir)}", which is not a directory (a symlink?); refusing it`);
    }
    created.add(dir);
  }
}
