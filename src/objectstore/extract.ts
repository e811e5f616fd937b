// Extracting a base backup into an empty PGDATA (and its tablespaces into their empty folders)
// with tar-stream. The archive is untrusted
// input: entries whose path leaves PGDATA, or that would write through a symlink the archive
// itself created, are refused. Symlinks themselves may point anywhere (pg_wal and pg_tblspc
// entries legitimately do).
import { createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import type { BlobStore } from './blob-store.js';
import { openBaseBackupParts } from './base-backup.js';
import type { BackupInfo } from './backup-info.js';
import { ObjectStoreError } from './errors.js';

/** Where one of the backup's tablespaces goes: its folder, and what pg_tblspc/<oid> links to. */
export interface TablespaceTarget {
  oid: number;
  directory: string;
  link: string;
}

/**
 * PGDATA's archive into `pgdata`, and each tablespace's `<oid>.tar` into its target's folder, with
 * pg_tblspc/<oid> linked to it, as barman-cloud-restore does. Every backup tablespace needs a
 * target, and every folder must be empty: both checked before anything is written.
 */
export async function extractBaseBackup(store: BlobStore, serverName: string, info: BackupInfo, pgdata: string, tablespaces: readonly TablespaceTarget[] = []): Promise<void> {
  const targets = (info.tablespaces ?? []).map((t) => {
    const target = tablespaces.find((x) => x.oid === t.oid);
    if (!target) throw new ObjectStoreError('invalid', `backup ${info.backupId} contains tablespace "${t.name}" (oid ${t.oid}) and no folder was given for it`);
    return target;
  });
  await ensureEmptyDir(pgdata);
  for (const t of targets) await ensureEmptyDir(t.directory);
  const dirModes = new Map<string, number>();
  for (const open of await openBaseBackupParts(store, serverName, info)) await extractTar(await open(), pgdata, dirModes);
  for (const t of targets) {
    for (const open of await openBaseBackupParts(store, serverName, info, String(t.oid))) await extractTar(await open(), t.directory, dirModes);
    const link = join(pgdata, 'pg_tblspc', String(t.oid));
    await mkdir(dirname(link), { recursive: true, mode: 0o700 });
    await rm(link, { force: true });
    await symlink(t.link, link);
  }
  // pg_wal may have been left out of the archive (barman-cloud-restore recreates it too).
  const walDir = join(pgdata, (info.version ?? 100000) >= 100000 ? 'pg_wal' : 'pg_xlog');
  await mkdir(walDir, { recursive: true, mode: 0o700 });
  // Directory modes last, so a read-only directory does not block its own contents.
  for (const [dir, mode] of [...dirModes].reverse()) await chmod(dir, mode);
}

async function ensureEmptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dir);
  if (entries.length > 0) throw new ObjectStoreError('invalid', `cannot restore into ${dir}: the directory is not empty`);
}

/** Extracts one tar stream into root. */
export async function extractTar(tar: NodeJS.ReadableStream, root: string, dirModes = new Map<string, number>()): Promise<void> {
  const ex = tarExtract();
  const created = new Set<string>([root]);
  const extracting = (async () => {
    for await (const entry of ex) {
      try {
        await writeEntry(entry.header, entry, root, created, dirModes);
      } finally {
        entry.resume();
      }
    }
  })();
  await Promise.all([pipeline(tar, ex), extracting]);
}

async function writeEntry(h: Header, body: AsyncIterable<unknown>, root: string, created: Set<string>, dirModes: Map<string, number>): Promise<void> {
  const target = safeTarget(root, h.name);
  if (target === root) return;
  await ensureParent(root, target, created);
  const mode = (h.mode ?? 0o600) & 0o7777;
  switch (h.type) {
    case 'directory': {
      const st = await lstat(target).catch(() => undefined);
      if (st && !st.isDirectory()) throw new ObjectStoreError('invalid', `backup archive entry "${h.name}" replaces a non-directory; refusing it`);
      if (!st) await mkdir(target, { mode: 0o700 });
      created.add(target);
      dirModes.set(target, mode);
      return;
    }
    case 'file':
    case 'contiguous-file':
      await pipeline(body, createWriteStream(target, { flags: 'wx', mode, highWaterMark: 1 << 20 }));
      await chmod(target, mode);
      if (h.mtime) await utimes(target, h.mtime, h.mtime);
      return;
    case 'symlink':
      await symlink(h.linkname ?? '', target);
      return;
    case 'link':
      await link(safeTarget(root, h.linkname ?? ''), target);
      return;
    default:
      // FIFOs, devices and other special files never belong in PGDATA.
      throw new ObjectStoreError('invalid', `backup archive entry "${h.name}" has unsupported type ${h.type ?? 'unknown'}`);
  }
}

function safeTarget(root: string, name: string): string {
  const clean = normalize(name.replace(/^\.\/+/, ''));
  const target = join(root, clean);
  const rel = relative(root, target);
  if (isAbsolute(name) || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ObjectStoreError('invalid', `backup archive entry "${name}" would be written outside ${root}; refusing it`);
  }
  return target;
}

/** Creates missing parents, refusing any existing parent that is not a real directory. */
async function ensureParent(root: string, target: string, created: Set<string>): Promise<void> {
  const parent = dirname(target);
  if (created.has(parent)) return;
  let dir = root;
  for (const part of relative(root, parent).split(sep)) {
    dir = join(dir, part);
    if (created.has(dir)) continue;
    const st = await lstat(dir).catch(() => undefined);
    if (!st) await mkdir(dir, { mode: 0o700 });
    else if (!st.isDirectory()) {
      throw new ObjectStoreError('invalid', `backup archive writes below "${relative(root, dir)}", which is not a directory (a symlink?); refusing it`);
    }
    created.add(dir);
  }
}
