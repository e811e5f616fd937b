// The primary lease of a local cluster: a file in the cluster's folder, which its instance managers
// (one operating-system user per cluster) and the control plane read and replace. A write holds a
// lock file made exclusively for the few microseconds of its read-compare-replace; a lock left by a
// process killed meanwhile is broken once it is older than any write takes.
import { closeSync, lstatSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import type { LeaseRecord, LeaseStore, VersionedLease } from './primary-lease.js';

const STALE_LOCK_MS = 2000;

interface LeaseFile {
  version: number;
  record: LeaseRecord;
}

export class FileLeaseStore implements LeaseStore {
  readonly createsMissing = true;

  constructor(private readonly path: string) {}

  async read(): Promise<VersionedLease | undefined> {
    const file = this.readFile();
    return file && { record: file.record, version: String(file.version) };
  }

  async write(record: LeaseRecord, version: string | undefined): Promise<boolean> {
    await this.lock();
    try {
      const current = this.readFile();
      if ((current === undefined) !== (version === undefined) || (current && String(current.version) !== version)) return false;
      const next: LeaseFile = { version: (current?.version ?? 0) + 1, record };
      // Readable by the cluster's instance managers when the control plane (root) wrote it.
      writeFileAtomicallySync(this.path, JSON.stringify(next) + '\n', { mode: 0o644 });
      return true;
    } finally {
      rmSync(this.lockPath, { force: true });
    }
  }

  private get lockPath(): string {
    return `${this.path}.lock`;
  }

  /**
   * The control plane reads this file as root from a folder the cluster's user owns: only a plain
   * file is read, and nothing of a file that is not a lease reaches an error message.
   */
  private readFile(): LeaseFile | undefined {
    let text: string;
    try {
      if (!lstatSync(this.path).isFile()) throw new Error(`${this.path} is not a plain file`);
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let file: LeaseFile;
    try {
      file = JSON.parse(text) as LeaseFile;
    } catch {
      throw new Error(`${this.path} is not a primary lease`);
    }
    if (!Number.isInteger(file.version) || typeof file.record?.holder !== 'string') throw new Error(`${this.path} is not a primary lease`);
    return file;
  }

  private async lock(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(this.lockPath, 'wx', 0o644));
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      try {
        if (Date.now() - statSync(this.lockPath).mtimeMs > STALE_LOCK_MS) rmSync(this.lockPath, { force: true });
      } catch {
        // Gone meanwhile: the next attempt takes it.
      }
      if (attempt > 200) throw new Error(`${this.lockPath} stayed locked`);
      await sleep(5);
    }
  }
}
