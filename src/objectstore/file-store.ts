// file:// backend: objects are files under a root directory, written atomically and durably
// (atomic-file.ts), so a crash never leaves a half-written object under its real name.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { writeFileAtomically } from './atomic-file.js';
import { checkKey, type BlobEntry, type BlobStore, type PutOptions } from './blob-store.js';
import { ObjectStoreError } from './errors.js';

const TMP_MARK = '.cnpg-tmp-';

export class FileBlobStore implements BlobStore {
  private readonly root: string;

  constructor(destinationPath: string) {
    try {
      this.root = fileURLToPath(destinationPath);
    } catch (err) {
      throw new ObjectStoreError('invalid', `invalid file destination "${destinationPath}": use file:///absolute/path`, { cause: err });
    }
  }

  describe(): string {
    return `file://${this.root}`;
  }

  private path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | NodeJS.ReadableStream, opts: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    // The API refuses both for file:// destinations; a file has nowhere to keep them.
    if (opts.encryption || opts.tags) throw new ObjectStoreError('invalid', `${this.describe()} keeps neither server-side encryption nor tags`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomically(path, [Buffer.isBuffer(body) ? Readable.from([body]) : body], { tempMark: TMP_MARK });
    } catch (err) {
      throw mapFsError(err, `write ${this.describe()}/${key}`);
    }
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    const path = this.path(key);
    // Open first so a missing file is reported here, not on the first read.
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw mapFsError(err, `read ${this.describe()}/${key}`);
    });
    return createReadStream('', { fd: handle });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw mapFsError(err, `check ${this.describe()}/${key}`);
    }
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    // Walk from the deepest directory the prefix names, then filter by the full prefix.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (dirPart) checkKey(dirPart);
    const out: BlobEntry[] = [];
    await this.walk(dirPart, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(relDir: string, prefix: string, out: BlobEntry[]): Promise<void> {
    const abs = relDir ? join(this.root, ...relDir.split('/')) : this.root;
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapFsError(err, `list ${this.describe()}/${prefix}`);
    }
    for (const entry of entries) {
      const key = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix) && !entry.name.includes(TMP_MARK)) {
        const st = await stat(join(abs, entry.name)).catch(() => undefined);
        if (st) out.push({ key, size: st.size, lastModified: st.mtime });
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    const parents = new Set<string>();
    for (const key of keys) {
      await rm(this.path(key), { force: true }).catch((err: unknown) => {
        throw mapFsError(err, `delete ${this.describe()}/${key}`);
      });
      parents.add(dirname(this.path(key)));
    }
    // An object store has no folders: a deleted backup's folder must not linger, empty, as if it were a backup.
    for (const dir of [...parents].sort((a, b) => b.length - a.length)) await this.removeEmptyUpwards(dir);
  }

  private async removeEmptyUpwards(dir: string): Promise<void> {
    const root = this.root;
    for (let d = dir; d.startsWith(root) && d.length > root.length; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }
}

function mapFsError(err: unknown, action: string): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const e = err as NodeJS.ErrnoException;
  const detail = e.code ? `${e.code}${e.path ? ` (${e.path.split(sep).slice(-3).join('/')})` : ''}` : String(err);
  switch (e.code) {
    case 'ENOENT':
      return new ObjectStoreError('not-found', `cannot ${action}: it does not exist`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new ObjectStoreError('access-denied', `cannot ${action}: permission denied (${detail})`, { cause: err });
    default:
      return new ObjectStoreError('other', `cannot ${action}: ${e.message ?? detail}`, { cause: err });
  }
}
