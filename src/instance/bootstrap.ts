// Creates the data folder of an instance that has none: initdb (then an import, if asked) for a new
// primary, a copy of an external cluster (bootstrap.pg_basebackup), a clone from the primary for a
// standby, an archive recovery for a primary restored from a backup. A marker file records that it
// finished; without it, whatever an earlier attempt left is thrown away.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpoint, ensureDatabase, isInRecovery, runStatements } from '../postgres/queries.js';
import { writeConfiguration, writeInstanceConfiguration } from './configure.js';
import type { BootstrapHost } from './bootstrap-host.js';
import { bootstrapDesignatedPrimary } from './designated-bootstrap.js';
import { designatedSource } from './designated-primary.js';
import { withConnection } from './db.js';
import { runInitdb } from './initdb.js';
import { cloneFromPrimary, writeReplicationPassfile } from './join.js';
import { cloneFromExternal } from './clone.js';
import { importFromExternal } from './import.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import type { BackupInfo } from '../objectstore/index.js';
import { lastFatal, refuseUsedArchive, requestArchiveRecovery, recoverySettings, restoreBaseBackup, startWalRestorer } from './recovery.js';
import { setUpRoles } from './roles.js';
import type { InitdbBootstrap, PgBasebackupBootstrap, RecoveryBootstrap, SnapshotBootstrap } from './spec.js';
import { placeSnapshot, stagedSnapshot, walSegmentSize } from './snapshot-recovery.js';
import { emptyStorage } from './storage.js';

export type { BootstrapHost, RecoveryProgress } from './bootstrap-host.js';

const marker = (paths: InstancePaths) => join(paths.root, 'bootstrapped');

export function isBootstrapped(paths: InstancePaths): boolean {
  return existsSync(marker(paths));
}

/** The data is no longer worth keeping (a standby pg_rewind cannot bring back): the next reconcile bootstraps afresh. */
export function forgetBootstrap(paths: InstancePaths): void {
  rmSync(marker(paths), { force: true });
}

export async function bootstrap(host: BootstrapHost): Promise<void> {
  const { spec, paths } = host;
  await host.postmaster.stop(5000);
  // No marker means an earlier attempt died half-way; nothing in it was ever acknowledged.
  rmSync(paths.pgdata, { recursive: true, force: true });
  mkdirSync(paths.pgdata, { recursive: true, mode: 0o700 });
  emptyStorage(spec.storage);
  const b = spec.role === 'primary' ? spec.bootstrap : { kind: 'join' as const };
  // A new primary's WAL must not land on top of another cluster's archive.
  if (b.kind !== 'join') writeFileSync(paths.emptyArchiveCheck, '');
  if (designatedSource(spec)) await bootstrapDesignatedPrimary(host);
  else if (b.kind === 'recovery') await recover(host, b);
  else if (b.kind === 'snapshot') await recoverSnapshot(host, b);
  else if (b.kind === 'initdb') await initialise(host, b);
  else if (b.kind === 'pg_basebackup') await cloneExternal(host, b);
  else await joinPrimary(host);
  writeFileSync(marker(paths), new Date().toISOString() + '\n');
  log('info', 'bootstrap complete');
}

/** What a new primary gets once it accepts connections, however it was created: its roles and the application database. */
async function prepareNewPrimary(host: BootstrapHost, app: { database: string; owner: string }): Promise<void> {
  await withConnection(host.socket, 'postgres', async (c) => {
    await setUpRoles(c, app.owner, host.spec, host.creds);
    await ensureDatabase(c, app.database, app.owner);
  });
}

async function initialise(host: BootstrapHost, b: InitdbBootstrap): Promise<void> {
  const { spec, paths, creds, socket } = host;
  log('info', 'running initdb', { database: b.database, owner: b.owner });
  await runInitdb(spec.binDir, paths.pgdata, b, spec.storage?.walDirectory);
  writeConfiguration(spec, paths, creds);
  await host.startPostgres();
  await prepareNewPrimary(host, b);
  await withConnection(socket, 'postgres', (c) => runStatements(c, b.postInitSQL));
  await withConnection(socket, b.database, (c) => runStatements(c, b.postInitApplicationSQL));
  await withConnection(socket, 'template1', (c) => runStatements(c, b.postInitTemplateSQL));
  if (b.import) await importFromExternal({ spec, creds, root: paths.root, socket }, b.import, b);
  await withConnection(socket, 'postgres', checkpoint);
}

/** The copy finishes its own recovery from the WAL streamed with it, and comes up a primary with this cluster's roles. */
async function cloneExternal(host: BootstrapHost, b: PgBasebackupBootstrap): Promise<void> {
  const { spec, paths, creds } = host;
  await cloneFromExternal(spec, creds, paths.root, paths.pgdata, b);
  writeConfiguration(spec, paths, creds);
  await host.startPostgres();
  await prepareNewPrimary(host, b);
  await withConnection(host.socket, 'postgres', checkpoint);
}

async function joinPrimary(host: BootstrapHost): Promise<void> {
  const { spec, paths, creds } = host;
  const primary = spec.primary;
  if (!primary) throw new Error('a replica needs spec.primary to clone from');
  log('info', 'cloning from primary', { primary: primary.name });
  writeReplicationPassfile(paths.passfile, creds.replicationPassword);
  await cloneFromPrimary(spec.binDir, paths.pgdata, primary, spec.slotName, paths.passfile, spec.storage);
  // standby.signal marks the data as a standby's, before anything could start it as a primary.
  await writeInstanceConfiguration(spec, paths, creds);
}

async function recover(host: BootstrapHost, b: RecoveryBootstrap): Promise<void> {
  const { spec, paths, creds } = host;
  await refuseUsedArchive(spec, creds);
  const backup = await restoreBaseBackup(b, creds, paths.pgdata, spec.storage);
  const restored = await replayArchive(host, b, backup, backup.backupId);
  log('info', 'recovery complete: promoted onto a new timeline', { backupId: backup.backupId, restoredWalFiles: restored });
  await finishRecovery(host, b);
}

/** Archive recovery of the restored data from the source's WAL, up to the target; returns the WAL files restored. */
async function replayArchive(host: BootstrapHost, b: RecoveryBootstrap, backup: Pick<BackupInfo, 'xlogSegmentSize'>, shownAs: string): Promise<number> {
  const { spec, paths, creds } = host;
  const restorer = startWalRestorer(b, creds, paths, backup);
  host.showRecovery({ backupId: shownAs, restorer });
  try {
    writeConfiguration(spec, paths, creds, await recoverySettings(spec, b, paths));
    requestArchiveRecovery(paths.pgdata);
    await replayUntilPromoted(host);
  } finally {
    await restorer.stop();
  }
  return restorer.restored;
}

/** A recovered primary comes up with the Cluster's settings, roles and application database. */
async function finishRecovery(host: BootstrapHost, app: { database: string; owner: string }): Promise<void> {
  const { spec, paths, creds } = host;
  writeConfiguration(spec, paths, creds);
  // Replay ran with the source's values where the Cluster's hot-standby-sensitive settings are
  // lower, and only a restart lowers them: done now, while nothing is connected and before any
  // replica is cloned from this data.
  await host.postmaster.stop();
  await host.startPostgres();
  await prepareNewPrimary(host, app);
  await withConnection(host.socket, 'postgres', checkpoint);
  host.showRecovery(undefined);
}

/**
 * From volume snapshots: with a source archive, an archive recovery up to the target (as from a
 * base backup); without one, an online snapshot replays its own WAL from its backup_label to its
 * end, a cold one simply starts.
 */
async function recoverSnapshot(host: BootstrapHost, b: SnapshotBootstrap): Promise<void> {
  const { spec, paths, creds } = host;
  await refuseUsedArchive(spec, creds);
  const { online } = placeSnapshot(paths, spec.storage, stagedSnapshot(paths, spec.storage, b.inPlace !== undefined));
  log('info', 'restored volume snapshots', { ...b.snapshots, online });
  if (b.source) {
    const recovery: RecoveryBootstrap = { kind: 'recovery', source: b.source, target: b.target, database: b.database, owner: b.owner };
    await replayArchive(host, recovery, { xlogSegmentSize: await walSegmentSize(spec.binDir, paths.pgdata) }, b.snapshots.storage);
  } else {
    writeConfiguration(spec, paths, creds);
    await replayUntilPromoted(host);
  }
  log('info', 'recovery from volume snapshots complete', { storage: b.snapshots.storage });
  await finishRecovery(host, b);
}

/** Archive recovery has no deadline: a large restore takes as long as it takes. */
async function replayUntilPromoted(host: BootstrapHost): Promise<void> {
  host.launchPostgres();
  for (;;) {
    if (!host.postmaster.running) {
      throw new Error(`PostgreSQL stopped during recovery: ${lastFatal(host.paths.postgresLog) ?? `see ${host.paths.postgresLog}`}`);
    }
    const promoted = await withConnection(host.socket, 'postgres', isInRecovery, 1000).then((r) => !r, () => false);
    if (promoted) return;
    await sleep(200);
  }
}
