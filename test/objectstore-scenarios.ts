// Scenarios every BlobStore backend must pass; run against file:// and S3 by the test files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import {
  archiveHasWals,
  archiveWal,
  COMPRESSIONS,
  deleteBackup,
  enforceRetention,
  extractBaseBackup,
  listBackups,
  listWals,
  openBaseBackupTar,
  restoreWal,
  uploadBaseBackupTar,
  writeBackupInfo,
  type BackupInfo,
  type BlobStore,
  type Compression,
} from '../src/objectstore/index.js';

export function walLike(size = 1024 * 1024): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0; off + 8192 <= size / 2; off += 8192) randomBytes(300).copy(out, off);
  return out;
}

export async function walRoundTrips(store: BlobStore, dir: string): Promise<void> {
  assert.equal(await archiveHasWals(store, 'walrt-none'), false);
  const names = ['000000010000000000000001', '000000010000000000000002.partial', '00000002.history', '000000010000000000000003.00000028.backup'];
  const codecs: (Compression | undefined)[] = [undefined, ...COMPRESSIONS];
  let i = 0;
  for (const c of codecs) {
    // A distinct segment per codec, plus the special names uncompressed and gzip.
    const server = `walrt-${c ?? 'none'}`;
    const segment = `0000000100000000000000${(0x10 + i++).toString(16).toUpperCase()}`;
    for (const name of c === undefined || c === 'gzip' ? [segment, ...names] : [segment]) {
      const tli = name === '00000002.history' ? '00000002.history' : name;
      const src = join(dir, `src-${c ?? 'none'}`, tli);
      await mkdir(join(dir, `src-${c ?? 'none'}`), { recursive: true });
      const data = name.endsWith('.history') ? Buffer.from('1\t0/3000000\tno recovery target specified\n') : walLike(256 * 1024);
      await writeFile(src, data);
      if (name === '00000002.history' && c === 'gzip') continue; // one history object is enough
      await archiveWal(store, server, src, c ? { compression: c } : {});
      const dest = join(dir, `restored-${c ?? 'none'}-${name}`);
      assert.equal(await restoreWal(store, server, name, dest), 'restored', `${name} ${c}`);
      assert.ok((await readFile(dest)).equals(data), `${name} restored byte-identical with ${c ?? 'no compression'}`);
    }
  }
  assert.equal(await restoreWal(store, 'walrt-none', '0000000100000000000000FF', join(dir, 'none')), 'missing');
  await assert.rejects(stat(join(dir, 'none')));
  const wals = await listWals(store, 'walrt-none');
  assert.ok(wals.some((w) => w.name === '00000002.history' && w.key === 'walrt-none/wals/00000002.history'));
  assert.deepEqual((await listWals(store, 'walrt-bzip2')).map((w) => w.key), ['walrt-bzip2/wals/0000000100000000/000000010000000000000012.bz2']);
  assert.equal(await archiveHasWals(store, 'walrt-none'), true);
}

/** A small PGDATA-like tree: nested dirs, modes, an empty file and a symlink. */
export async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'base/1'), { recursive: true, mode: 0o700 });
  await mkdir(join(root, 'global'), { mode: 0o700 });
  await writeFile(join(root, 'PG_VERSION'), '15\n', { mode: 0o600 });
  await writeFile(join(root, 'base/1/1259'), walLike(300 * 1024), { mode: 0o600 });
  await writeFile(join(root, 'global/pg_control'), randomBytes(8192), { mode: 0o600 });
  await writeFile(join(root, 'postgresql.conf'), '# empty\n', { mode: 0o644 });
  await writeFile(join(root, 'empty'), '', { mode: 0o640 });
  await symlink('/somewhere/else/wal', join(root, 'pg_wal_link'));
}

/** The tree as a tar stream, as `tar -C root .` would make it. */
export async function tarOf(root: string): Promise<Readable> {
  const p = pack();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const rel = relative(root, abs);
      const st = await lstat(abs);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        p.entry({ name: rel, type: 'directory', mode, mtime: st.mtime });
        await walk(abs);
      } else if (st.isSymbolicLink()) {
        p.entry({ name: rel, type: 'symlink', linkname: await readlink(abs), mode });
      } else {
        const body = await readFile(abs);
        await new Promise<void>((resolve, reject) => p.entry({ name: rel, mode, mtime: st.mtime, size: body.length }, body, (err) => (err ? reject(err) : resolve())));
      }
    }
  };
  void walk(root).then(() => p.finalize(), (err: Error) => p.destroy(err));
  return p as unknown as Readable;
}

export async function assertSameTree(a: string, b: string): Promise<void> {
  const list = async (root: string, dir = root): Promise<string[]> => {
    const out: string[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const st = await lstat(abs);
      const rel = relative(root, abs);
      if (st.isDirectory()) out.push(`${rel}/ ${(st.mode & 0o777).toString(8)}`, ...(await list(root, abs)));
      else if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(abs)}`);
      else out.push(`${rel} ${(st.mode & 0o777).toString(8)} ${(await readFile(abs)).toString('base64').slice(0, 40)} ${st.size}`);
    }
    return out;
  };
  assert.deepEqual(await list(b), await list(a));
}

export function doneInfo(backupId: string, at: Date, beginWal: string, extra: Partial<BackupInfo> = {}): BackupInfo {
  return {
    backupId,
    status: 'DONE',
    beginTime: at,
    endTime: new Date(at.getTime() + 1000),
    beginWal,
    endWal: beginWal,
    beginXlog: `0/${beginWal.slice(-2)}000028`,
    endXlog: `0/${beginWal.slice(-2)}000100`,
    beginOffset: 40,
    endOffset: 256,
    timeline: 1,
    version: 150000,
    systemId: '7324486423712345678',
    pgdata: '/var/lib/postgresql/data',
    mode: 'cnpg-ts',
    ...extra,
  };
}

export async function baseBackupRoundTrip(store: BlobStore, dir: string, compression: Compression | undefined): Promise<void> {
  const server = `bb-${compression ?? 'none'}`;
  const src = join(dir, `tree-${server}`);
  await mkdir(src);
  await makeTree(src);
  const id = '20240115T134100';
  const sizes = await uploadBaseBackupTar(store, server, id, await tarOf(src), { compression, jobs: 2 });
  assert.ok(sizes.bytesIn > 300 * 1024 && sizes.bytesStored > 0);
  await writeBackupInfo(store, server, doneInfo(id, new Date('2024-01-15T13:41:00Z'), '000000010000000000000002', { size: sizes.bytesIn, ...(compression ? { compression } : {}) }));
  const [info, ...rest] = await listBackups(store, server);
  assert.equal(rest.length, 0);
  assert.ok(info);
  assert.equal(info.backupId, id);
  assert.equal(info.serverName, server);
  const dest = join(dir, `restored-${server}`);
  await extractBaseBackup(store, server, info, dest);
  await mkdir(join(src, 'pg_wal'), { mode: 0o700 });
  await assertSameTree(src, dest);
  // Extraction refuses a non-empty target.
  await assert.rejects(extractBaseBackup(store, server, info, dest), /not empty/);
  await deleteBackup(store, server, id);
  assert.deepEqual(await listBackups(store, server), []);
  assert.deepEqual(await store.list(`${server}/base/`), []);
}

/** A backup split into data.tar + data_0001.tar, as barman writes past --max-archive-size. */
export async function splitBackup(store: BlobStore, dir: string): Promise<void> {
  const server = 'split';
  const id = '20240116T000000';
  const part = async (files: Record<string, string>): Promise<Buffer> => {
    const p = pack();
    for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o600 }, body);
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  await store.put(`${server}/base/${id}/data.tar`, await part({ 'a.txt': 'first part', 'backup_label': 'LABEL: x\n' }));
  await store.put(`${server}/base/${id}/data_0001.tar`, await part({ 'b.txt': 'second part' }));
  await writeBackupInfo(store, server, doneInfo(id, new Date('2024-01-16T00:00:00Z'), '000000010000000000000004'));
  const [info] = await listBackups(store, server);
  assert.ok(info);
  const dest = join(dir, 'split-restore');
  await extractBaseBackup(store, server, info, dest);
  assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'first part');
  assert.equal(await readFile(join(dest, 'b.txt'), 'utf8'), 'second part');
  const tar = await openBaseBackupTar(store, server, info);
  let bytes = 0;
  for await (const c of tar) bytes += (c as Buffer).length;
  assert.ok(bytes >= 2 * 2048);
}

export async function hostileArchive(store: BlobStore, dir: string): Promise<void> {
  const server = 'hostile';
  const cases: [string, (p: ReturnType<typeof pack>) => void][] = [
    ['dotdot', (p) => p.entry({ name: '../escaped', mode: 0o600 }, 'x')],
    ['absolute', (p) => p.entry({ name: '/tmp/escaped-abs', mode: 0o600 }, 'x')],
    ['through-symlink', (p) => {
      p.entry({ name: 'link', type: 'symlink', linkname: dir });
      p.entry({ name: 'link/escaped-via-link', mode: 0o600 }, 'x');
    }],
  ];
  let n = 0;
  for (const [name, build] of cases) {
    const id = `2024011${n++}T000000`;
    const p = pack();
    build(p);
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    await store.put(`${server}/base/${id}/data.tar`, Buffer.concat(chunks));
    await writeBackupInfo(store, server, doneInfo(id, new Date(), '000000010000000000000004'));
    const info = (await listBackups(store, server)).find((b) => b.backupId === id);
    assert.ok(info);
    await assert.rejects(extractBaseBackup(store, server, info, join(dir, `hostile-${name}`)), /refusing/, name);
  }
  await assert.rejects(stat(join(dir, 'escaped')));
  await assert.rejects(stat(join(dir, 'escaped-via-link')));
}

export async function retentionDeletesOldBackupsAndWal(store: BlobStore, dir: string): Promise<void> {
  const server = 'ret';
  const now = new Date('2024-03-01T00:00:00Z');
  const backups = [
    doneInfo('20240101T000000', new Date('2024-01-01T00:00:00Z'), '000000010000000000000002'),
    { ...doneInfo('20240105T000000', new Date('2024-01-05T00:00:00Z'), '000000010000000000000003'), status: 'FAILED' as const },
    doneInfo('20240120T000000', new Date('2024-01-20T00:00:00Z'), '000000010000000000000004'),
    doneInfo('20240220T000000', new Date('2024-02-20T00:00:00Z'), '000000010000000000000006'),
  ];
  for (const b of backups) {
    await writeBackupInfo(store, server, b);
    await store.put(`${server}/base/${b.backupId}/data.tar`, Buffer.alloc(1024));
  }
  await store.put(`${server}/base/20240110T000000/backup.info`, Buffer.from('garbage without equals sign\n'));
  for (const seg of ['01', '02', '03', '04', '05', '06']) {
    const path = join(dir, `0000000100000000000000${seg}`);
    await writeFile(path, walLike(1024));
    await archiveWal(store, server, path, { compression: 'gzip' });
  }
  await writeFile(join(dir, '00000001.history'), 'x');
  await archiveWal(store, server, join(dir, '00000001.history'), {});
  const result = await enforceRetention(store, server, '30d', now);
  assert.deepEqual(result.deletedBackups, ['20240101T000000', '20240105T000000']);
  assert.equal(result.deletedWals, 3);
  assert.equal(result.firstRecoverabilityPoint?.toISOString(), '2024-01-20T00:00:01.000Z');
  assert.deepEqual((await listBackups(store, server)).map((b) => b.backupId), ['20240120T000000', '20240220T000000']);
  assert.deepEqual((await listWals(store, server)).map((w) => w.name), [
    '00000001.history', '000000010000000000000004', '000000010000000000000005', '000000010000000000000006',
  ]);
  // The unreadable backup is left alone.
  assert.equal(await store.exists(`${server}/base/20240110T000000/backup.info`), true);
}

/** put, exists, get of a missing key, and listing and deleting `count` objects. */
export async function storeBasics(store: BlobStore, count: number): Promise<void> {
  await store.put('pg/x/one', Buffer.from('1'));
  assert.equal(await store.exists('pg/x/one'), true);
  assert.equal(await store.exists('pg/x/two'), false);
  await assert.rejects(store.get('pg/x/two'), (err: Error & { kind?: string }) => err.kind === 'not-found');
  const keys = Array.from({ length: count }, (_, i) => `pg/many/${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.put(k, Buffer.from('x'))));
  assert.equal((await store.list('pg/many/')).length, count);
  await store.delete(keys);
  assert.deepEqual(await store.list('pg/many/'), []);
}
