// On Kubernetes the first instance of a Cluster recovered from VolumeSnapshots starts on volumes
// the CSI driver filled from them: its data volume holds another instance's folder, finished
// bootstrap marker and all. Before the manager looks at it, that folder's PGDATA (and the WAL and
// tablespace volumes' folders) are set aside as a staged copy, so that the bootstrap places them
// exactly as it places the local platform's copies (snapshot-recovery.ts), with the backup_label
// of an online snapshot written back.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { forgetBootstrap } from './bootstrap.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import { stagedSnapshot } from './snapshot-recovery.js';
import type { InstanceSpec } from './spec.js';

/** Which volume was last staged: the claim's uid the platform named. */
export const snapshotVolumeMarker = (paths: InstancePaths) => join(paths.root, 'snapshot-volume');

function moveAside(from: string, to: string): void {
  // A staging cut short has moved some already: what is in place is kept.
  if (!existsSync(from) || existsSync(to)) return;
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  renameSync(from, to);
}

/** Returns whether it staged; a volume staged before (or no restore asked for) is left alone. */
export function stageSnapshotVolumes(paths: InstancePaths, spec: InstanceSpec): boolean {
  const b = spec.bootstrap;
  if (spec.role !== 'primary' || b?.kind !== 'snapshot' || !b.inPlace) return false;
  const marker = snapshotVolumeMarker(paths);
  const recorded = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  if (recorded === b.inPlace.volume) return false;
  const staged = stagedSnapshot(paths, spec.storage, true);
  moveAside(paths.pgdata, staged.data);
  if (spec.storage?.walDirectory && b.snapshots.walStorage) moveAside(spec.storage.walDirectory, staged.wal);
  for (const t of spec.storage?.tablespaces ?? []) {
    if (b.snapshots.tablespaceStorage?.[t.name]) moveAside(t.directory, staged.tablespace(t.name));
  }
  if (!existsSync(join(staged.data, 'PG_VERSION'))) {
    throw new Error(`the data volume made from VolumeSnapshot ${b.snapshots.storage} holds no PostgreSQL data folder (pgdata): it is not a snapshot of an instance's data volume`);
  }
  for (const [file, content] of [['backup_label', b.inPlace.backupLabel], ['tablespace_map', b.inPlace.tablespaceMap]] as const) {
    if (content) writeFileAtomicallySync(join(staged.data, file), content, { mode: 0o600 });
  }
  // What the source instance recorded of its own life: its bootstrap, WAL it had stored, its backups.
  forgetBootstrap(paths);
  for (const dir of [paths.archiveSpool, paths.restoreSpool, paths.backups]) rmSync(dir, { recursive: true, force: true });
  writeFileAtomicallySync(marker, b.inPlace.volume + '\n', { mode: 0o600 });
  log('info', 'staged the volumes made from volume snapshots', { ...b.snapshots, online: Boolean(b.inPlace.backupLabel) });
  return true;
}
