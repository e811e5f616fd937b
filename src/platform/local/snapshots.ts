// Volume snapshots on this machine: a copy of an instance's data folder (and its WAL folder, and
// each tablespace folder) in $CNPG_HOME/snapshots/<namespace>/<snapshot>/data, copy-on-write where
// the filesystem can (reflink), a plain copy otherwise, with snapshot.json beside it. Root's (or
// the daemon user's), 0700: a snapshot outlives the cluster user that owned the files. Like a CSI
// snapshot it is the whole volume, unlogged tables' files included (a base backup leaves them out):
// PostgreSQL starting from it resets those tables from their init forks.
import { constants, existsSync } from 'node:fs';
import { chmod, copyFile, lchown, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotNameTaken, snapshotOwnerGone, type SnapshotElement, type SnapshotMetadata } from '../../operator/snapshot-types.js';
import type { Cluster } from '../../api/index.js';
import type { SnapshotRuntime } from '../../operator/platform.js';
import type { OsUser } from './home.js';

const ENOENT = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';
const WAL_FILE = /^[0-9A-F]{24}$/;

/**
 * Copies a folder as `cp -a --reflink=auto` would, except that files a running server removes
 * during the copy (recycled WAL, temporary files) are skipped rather than failing it. `owner`
 * gives every copy to that user; otherwise owners are kept.
 */
export async function copyTree(src: string, dst: string, owner?: OsUser): Promise<void> {
  let st;
  try {
    st = await lstat(src);
  } catch (e) {
    if (ENOENT(e)) return;
    throw e;
  }
  const uid = owner?.uid ?? st.uid;
  const gid = owner?.gid ?? st.gid;
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dst);
  } else if (st.isDirectory()) {
    await mkdir(dst, { mode: 0o700 });
    let entries: string[] = [];
    try {
      entries = await readdir(src);
    } catch (e) {
      if (!ENOENT(e)) throw e;
    }
    for (const entry of entries) await copyTree(join(src, entry), join(dst, entry), owner);
    await chmod(dst, st.mode & 0o7777);
  } else if (st.isFile()) {
    try {
      await copyFile(src, dst, constants.COPYFILE_FICLONE);
    } catch (e) {
      if (ENOENT(e)) return;
      throw e;
    }
    await chmod(dst, st.mode & 0o7777);
  } else {
    return;
  }
  if (process.getuid?.() === 0) await lchown(dst, uid, gid);
}

export class LocalSnapshots implements SnapshotRuntime {
  constructor(
    private readonly root: string,
    /** An instance's folder: pgdata, wal and tablespaces/<name> are in it (storage-places.ts). */
    private readonly instanceDir: (cluster: Cluster, instance: string) => string,
  ) {}

  folder(namespace: string, name: string): string {
    return join(this.root, namespace, name);
  }

  private source(cluster: Cluster, instance: string, e: SnapshotElement): string {
    const dir = this.instanceDir(cluster, instance);
    if (e.type === 'PG_DATA') return join(dir, 'pgdata');
    if (e.type === 'PG_WAL') return join(dir, 'wal');
    return join(dir, 'tablespaces', e.tablespaceName ?? '');
  }

  async take(cluster: Cluster, instance: string, elements: SnapshotElement[]): Promise<void> {
    const ns = cluster.metadata.namespace ?? 'default';
    await mkdir(join(this.root, ns), { recursive: true, mode: 0o700 });
    for (const e of elements) {
      if (existsSync(this.folder(ns, e.name))) throw new SnapshotNameTaken(`snapshot ${ns}/${e.name} exists already`);
    }
    for (const e of elements) {
      const src = this.source(cluster, instance, e);
      if (!existsSync(src)) throw new Error(`instance ${instance} has no folder for ${e.type}${e.tablespaceName ? ` ${e.tablespaceName}` : ''} (${src})`);
      // Built aside and renamed: a snapshot folder with data in it is a whole copy.
      const partial = this.folder(ns, `.${e.name}.partial`);
      await rm(partial, { recursive: true, force: true });
      await mkdir(partial, { mode: 0o700 });
      await copyTree(src, join(partial, 'data'));
      await rename(partial, this.folder(ns, e.name));
    }
  }

  async seal(cluster: Cluster, instance: string, elements: SnapshotElement[], metadata: SnapshotMetadata): Promise<void> {
    const ns = cluster.metadata.namespace ?? 'default';
    if (metadata.online && metadata.beginWal && metadata.endWal) await this.topUpWal(cluster, instance, elements, metadata.beginWal, metadata.endWal);
    for (const e of elements) {
      await writeFile(join(this.folder(ns, e.name), 'snapshot.json'), JSON.stringify({ ...metadata, element: e }, null, 2) + '\n', { mode: 0o600 });
    }
  }

  /**
   * The WAL from the backup's start to its end, copied again after pg_backup_stop: the copy taken in
   * backup mode may stop short of the end, and without it an online snapshot restores only with an
   * archive. A segment copied while being written is cut at its last whole record, which replay accepts.
   */
  private async topUpWal(cluster: Cluster, instance: string, elements: SnapshotElement[], beginWal: string, endWal: string): Promise<void> {
    const ns = cluster.metadata.namespace ?? 'default';
    const walElement = elements.find((e) => e.type === 'PG_WAL');
    const dir = this.instanceDir(cluster, instance);
    const live = walElement ? join(dir, 'wal') : join(dir, 'pgdata', 'pg_wal');
    const copy = walElement ? join(this.folder(ns, walElement.name), 'data') : join(this.folder(ns, elements[0]!.name), 'data', 'pg_wal');
    const timeline = endWal.slice(0, 8);
    for (const f of (await readdir(live)).sort()) {
      const wanted = (WAL_FILE.test(f) && f.slice(0, 8) === timeline && f.slice(8) >= beginWal.slice(8) && f.slice(8) <= endWal.slice(8)) || f.endsWith('.history');
      if (!wanted) continue;
      const st = await lstat(join(live, f)).catch(() => undefined);
      if (!st?.isFile()) continue;
      await copyFile(join(live, f), join(copy, f));
      await chmod(join(copy, f), 0o600);
      if (process.getuid?.() === 0) await lchown(join(copy, f), st.uid, st.gid);
    }
  }

  async describe(namespace: string, name: string): Promise<SnapshotMetadata | undefined> {
    try {
      return JSON.parse(await readFile(join(this.folder(namespace, name), 'snapshot.json'), 'utf8')) as SnapshotMetadata;
    } catch (e) {
      if (ENOENT(e)) return undefined;
      throw e;
    }
  }

  /** Deletes the snapshots whose owner (snapshotOwnerReference) is gone; returns their names. */
  async collect(lookup: (kind: 'Backup' | 'Cluster', namespace: string, name: string) => Promise<{ uid?: string } | undefined>): Promise<string[]> {
    const deleted: string[] = [];
    if (!existsSync(this.root)) return deleted;
    for (const ns of await readdir(this.root)) {
      for (const name of await readdir(join(this.root, ns))) {
        if (name.startsWith('.')) continue;
        const m = await this.describe(ns, name).catch(() => undefined);
        if (!m?.owner) continue;
        if (!snapshotOwnerGone(m, await lookup('Backup', ns, m.backup), await lookup('Cluster', ns, m.cluster))) continue;
        await this.remove(ns, [name]);
        deleted.push(`${ns}/${name}`);
      }
    }
    return deleted;
  }

  async remove(namespace: string, names: string[]): Promise<void> {
    for (const name of names) await rm(this.folder(namespace, name), { recursive: true, force: true });
  }

  /**
   * A new instance's data from snapshots, placed in `into` (data, wal, tablespaces/<name>) for its
   * manager to move into place, owned by its user; an online snapshot gets its backup_label and
   * tablespace_map back, so that PostgreSQL replays from the backup's start.
   */
  async stage(namespace: string, refs: SnapshotRefs, into: string, owner?: OsUser): Promise<void> {
    const data = await this.describe(namespace, refs.storage);
    if (!data) throw new Error(`volume snapshot ${namespace}/${refs.storage} (bootstrap.recovery.volumeSnapshots.storage) does not exist or was never completed`);
    await rm(into, { recursive: true, force: true });
    await mkdir(into, { mode: 0o700 });
    if (owner) await lchown(into, owner.uid, owner.gid);
    await copyTree(join(this.folder(namespace, refs.storage), 'data'), join(into, 'data'), owner);
    if (refs.walStorage) {
      if (!(await this.describe(namespace, refs.walStorage))) throw new Error(`volume snapshot ${namespace}/${refs.walStorage} (walStorage) does not exist or was never completed`);
      await copyTree(join(this.folder(namespace, refs.walStorage), 'data'), join(into, 'wal'), owner);
    }
    for (const [tablespace, name] of Object.entries(refs.tablespaceStorage ?? {})) {
      if (!(await this.describe(namespace, name))) throw new Error(`volume snapshot ${namespace}/${name} (tablespaceStorage.${tablespace}) does not exist or was never completed`);
      await mkdir(join(into, 'tablespaces'), { recursive: true, mode: 0o700 });
      if (owner) await lchown(join(into, 'tablespaces'), owner.uid, owner.gid);
      await copyTree(join(this.folder(namespace, name), 'data'), join(into, 'tablespaces', tablespace), owner);
    }
    if (data.online) {
      for (const [file, content] of [['backup_label', data.backupLabel], ['tablespace_map', data.tablespaceMap]] as const) {
        if (!content) continue;
        const path = join(into, 'data', file);
        await writeFile(path, content, { mode: 0o600 });
        if (owner) await lchown(path, owner.uid, owner.gid);
      }
    }
  }
}

export interface SnapshotRefs {
  storage: string;
  walStorage?: string;
  tablespaceStorage?: Record<string, string>;
}

