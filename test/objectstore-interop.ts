// barman-cloud against any store: it reads what we wrote and we read what it wrote (the Azure and
// Google tests run these with their providers; the S3 ones have their own, older, checks).
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveWal, restoreWal, uploadBaseBackupTar, writeBackupInfo, type BlobStore } from '../src/objectstore/index.js';
import { barmanCloud, type BarmanProvider } from './objectstore-barman.js';
import { assertSameTree, doneInfo, makeTree, tarOf, walLike } from './objectstore-scenarios.js';

export async function walBothWays(store: BlobStore, dest: string, provider: BarmanProvider, dir: string): Promise<void> {
  const walDir = join(dir, 'interop-wal');
  await mkdir(walDir);
  const ours = '000000010000000000000020';
  const data = walLike(256 * 1024);
  await writeFile(join(walDir, ours), data);
  await archiveWal(store, 'interop', join(walDir, ours), { compression: 'gzip' });
  const restored = await barmanCloud('barman-cloud-wal-restore', [dest, 'interop', ours, join(dir, 'barman-restored')], provider);
  assert.equal(restored.code, 0, restored.stderr);
  assert.ok((await readFile(join(dir, 'barman-restored'))).equals(data));

  const theirs = '000000010000000000000021';
  await writeFile(join(walDir, theirs), data);
  const archived = await barmanCloud('barman-cloud-wal-archive', ['--bzip2', dest, 'interop', join(walDir, theirs)], provider);
  assert.equal(archived.code, 0, archived.stderr);
  assert.equal(await restoreWal(store, 'interop', theirs, join(dir, 'ours-restored')), 'restored');
  assert.ok((await readFile(join(dir, 'ours-restored'))).equals(data));
}

export async function barmanRestoresOurBackup(store: BlobStore, dest: string, provider: BarmanProvider, dir: string): Promise<void> {
  const src = join(dir, 'tree');
  await mkdir(src);
  await makeTree(src);
  const id = '20240115T134100';
  await uploadBaseBackupTar(store, 'bk', id, await tarOf(src), { compression: 'gzip' });
  await writeBackupInfo(store, 'bk', doneInfo(id, new Date('2024-01-15T13:41:00Z'), '000000010000000000000002', { backupName: 'interop-backup', compression: 'gzip' }));
  const list = await barmanCloud('barman-cloud-backup-list', ['--format', 'json', dest, 'bk'], provider);
  assert.equal(list.code, 0, list.stderr);
  const entry = (JSON.parse(list.stdout) as { backups_list: Record<string, unknown>[] }).backups_list[0];
  assert.equal(entry?.backup_id, id);
  assert.equal(entry?.backup_name, 'interop-backup');
  assert.equal(entry?.status, 'DONE');
  const target = join(dir, 'barman-restore');
  const restored = await barmanCloud('barman-cloud-restore', [dest, 'bk', id, target], provider);
  assert.equal(restored.code, 0, restored.stderr);
  // barman-cloud-restore recreates the missing pg_wal with Python's default mode.
  await mkdir(join(src, 'pg_wal'), { mode: 0o755 });
  await assertSameTree(src, target);
}
