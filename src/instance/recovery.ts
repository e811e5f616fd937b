// Bootstrap by recovery: restore the right base backup from the object store, replay archived WAL
// up to the target, and let PostgreSQL promote itself onto a new timeline.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveHasWals, chooseBaseBackup, extractBaseBackup, listBackups, openBlobStore, type BackupInfo } from '../objectstore/index.js';
import { recoveryParameters } from '../postgres/recovery.js';
import { replaceAutoConf } from './alter-system.js';
import { hotStandbyFloor } from './configure.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import type { Credentials, InstanceSpec, RecoveryBootstrap } from './spec.js';
import type { StorageLayout } from './storage-layout.js';
import { storeTarget } from './store-target.js';
import { restoreTargets } from './tablespace-mapping.js';
import { walPrefetch, WalRestorer } from './wal-restorer.js';
import { installScript, restoreScript, scriptCommand } from './wal-scripts.js';

/** Files a restored data directory must not keep: they belong to the server the backup came from. */
export const FOREIGN_FILES = ['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.signal', 'backup_label.old', 'tablespace_map.old'];

export async function refuseUsedArchive(spec: InstanceSpec, creds: Credentials): Promise<void> {
  if (!spec.archive) return;
  const own = openBlobStore(storeTarget(spec.archive, creds.stores?.archive));
  if (await archiveHasWals(own, spec.archive.serverName)) {
    throw new Error(
      `refusing to recover into ${own.describe()} server ${spec.archive.serverName}: it already holds WAL, probably another cluster's ` +
        '(or the one being recovered). Give spec.backup.barmanObjectStore an empty destinationPath or another serverName.',
    );
  }
}

/**
 * Picks and unpacks the base backup, each of its tablespaces into this instance's folder for the
 * tablespace of that name (storage: spec.storage); returns it so the caller can report which one.
 */
export async function restoreBaseBackup(b: RecoveryBootstrap, creds: Credentials, pgdata: string, storage: StorageLayout | undefined): Promise<BackupInfo> {
  const source = openBlobStore(storeTarget(b.source, creds.stores?.recovery));
  const catalog = await listBackups(source, b.source.serverName);
  const choice = chooseBaseBackup(catalog, b.target);
  if (!choice.ok) throw new Error(`no base backup to recover from in ${source.describe()} server ${b.source.serverName}: ${choice.message}`);
  log('info', 'restoring base backup', { backupId: choice.backup.backupId, from: source.describe(), serverName: b.source.serverName });
  const tablespaces = restoreTargets(choice.backup.backupId, choice.backup.tablespaces, storage);
  await extractBaseBackup(source, b.source.serverName, choice.backup, pgdata, tablespaces);
  for (const f of FOREIGN_FILES) rmSync(join(pgdata, f), { force: true });
  // ALTER SYSTEM settings of the source (its archive_command, primary_conninfo…) would override ours.
  replaceAutoConf(pgdata, '# Emptied by the cnpg-ts instance manager after a restore; settings come from the Cluster.\n');
  mkdirSync(join(pgdata, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  return choice.backup;
}

export function startWalRestorer(b: RecoveryBootstrap, creds: Credentials, paths: InstancePaths, backup: Pick<BackupInfo, 'xlogSegmentSize'>): WalRestorer {
  const restorer = new WalRestorer({
    spool: paths.restoreSpool,
    store: openBlobStore(storeTarget(b.source, creds.stores?.recovery)),
    serverName: b.source.serverName,
    maxParallel: walPrefetch(b.source),
    segmentSize: backup.xlogSegmentSize,
  });
  installScript(paths.restoreScript, restoreScript(paths.restoreSpool));
  restorer.start();
  return restorer;
}

/** restore_command and the target, plus whatever the source server had higher than this spec. */
export async function recoverySettings(spec: InstanceSpec, b: RecoveryBootstrap, paths: InstancePaths): Promise<Record<string, string>> {
  return { ...(await hotStandbyFloor(spec, paths)), ...recoveryParameters(scriptCommand(paths.restoreScript, '%f %p'), b.target) };
}

export function requestArchiveRecovery(pgdata: string): void {
  writeFileSync(join(pgdata, 'recovery.signal'), '', { mode: 0o600 });
}

/** The last FATAL/PANIC line PostgreSQL logged: why a recovery stopped. */
export function lastFatal(postgresLog: string): string | undefined {
  if (!existsSync(postgresLog)) return undefined;
  const lines = readFileSync(postgresLog, 'utf8').split('\n').slice(-200);
  return lines.reverse().find((l) => /\b(FATAL|PANIC):/.test(l))?.trim();
}
