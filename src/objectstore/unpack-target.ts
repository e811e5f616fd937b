// What the parts and chunks of one archive share while they unpack into one folder: the folder,
// the directories known to be real ones, and what must wait for the end (modes, times, hard
// links, a held-back name). The streaming extract (extract.ts) records into it directly; a chunk
// unpacked on a worker thread (unpack-chunk.ts) reports what it made, merged here.
import { chmod, link, rename, utimes } from 'node:fs/promises';
import { ObjectStoreError } from './errors.js';
import { makeDirectory, placeTarget } from './extract-paths.js';

/** What one chunk made that the end of the restore finishes: file modes and times, directory modes, hard links. */
export interface ChunkOutcome {
  files: [path: string, mode: number, mtime: number][];
  dirs: [path: string, mode: number][];
  links: [from: string, to: string][];
}

export class UnpackTarget {
  readonly created: Set<string>;
  private readonly announced = new Set<string>();
  private readonly files = new Map<string, { mode: number; mtime: number }>();
  private readonly links: { from: string; to: string }[] = [];

  constructor(
    readonly root: string,
    readonly dirModes: Map<string, number>,
    /** Paths written under another path until `finish` (PGDATA's global/pg_control: no folder looks restored before the end). */
    readonly heldBack: ReadonlyMap<string, string> = new Map(),
  ) {
    this.created = new Set([root]);
  }

  /** Where an archive name goes, refused when it leaves the folder. */
  place(name: string): string {
    return placeTarget(this.root, this.heldBack, name);
  }

  /** Claims a file's name for the header that announces it: a second header for it is refused. */
  announce(target: string, mode: number, mtime: number): void {
    if (this.announced.has(target)) throw new ObjectStoreError('invalid', `backup archive holds ${target} twice; refusing it`);
    this.announced.add(target);
    this.files.set(target, { mode, mtime });
  }

  /** A directory entry: made unless there (parents are made before their entries); its mode waits for the end. */
  directory(target: string, name: string, mode: number): void {
    makeDirectory(target, name);
    this.created.add(target);
    this.dirModes.set(target, mode);
  }

  hardLink(from: string, to: string): void {
    this.links.push({ from, to });
  }

  /** What a chunk made elsewhere, as if it had been recorded here (a file announced twice is refused). */
  merge(outcome: ChunkOutcome): void {
    for (const [path, mode, mtime] of outcome.files) this.announce(path, mode, mtime);
    for (const [path, mode] of outcome.dirs) {
      this.created.add(path);
      this.dirModes.set(path, mode);
    }
    for (const [from, to] of outcome.links) this.hardLink(from, to);
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
