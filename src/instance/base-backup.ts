// One base backup to the object store, with PostgreSQL's low-level API on one held connection:
// pg_backup_start, then each tablespace's folder into <oid>.tar and PGDATA into data.tar (read
// from disk and uploaded as they are read, compressed, never staged), then pg_backup_stop, whose
// backup_label closes data.tar. This is barman-cloud-backup's layout, which barman-cloud-restore
// reads. backup.info says STARTED first and DONE only once the WAL the backup needs is in the
// store too, so a DONE backup is always restorable. The tablespace_map pg_backup_stop returns is
// not stored: its lines are backup.info's tablespaces, and a restore links pg_tblspc to wherever
// the restoring side keeps each tablespace (a tablespace_map would send PostgreSQL back to the
// source's locations, defeating barman-cloud-restore's --tablespace).
import pg from 'pg';
import {
  newBackupId,
  TarArchiveUpload,
  walKey,
  writeBackupInfo,
  type BackupInfo,
  type BlobStore,
  type Tablespace,
} from '../objectstore/index.js';
import { backupApi, labelTimeline, TABLESPACES_QUERY } from '../postgres/backup-api.js';
import { parseLsn, pgWalfileName, walFileName } from '../postgres/lsn.js';
import { REPLICATION_USER } from '../postgres/hba.js';
import { copyFile, copyTree, pgdataRules, requireFolder, tablespaceRules } from './backup-copy.js';
import { withConnection, type SocketTarget } from './db.js';
import type { PrimaryEndpoint, StoreSpec } from './spec.js';
import { tablespaceDiskPath } from './storage.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type BackupPhase = 'running' | 'completed' | 'failed';

export interface BackupReport {
  backupName: string;
  phase: BackupPhase;
  instance: string;
  backupId?: string;
  beginWal?: string;
  endWal?: string;
  beginLSN?: string;
  endLSN?: string;
  timeline?: number;
  startedAt?: string;
  stoppedAt?: string;
  error?: string;
}

export interface BackupRequest {
  backupName: string;
  immediateCheckpoint?: boolean;
  jobs?: number;
  /** Internal, for tests: a smaller part size (data_0001…) and chunk size than the defaults. */
  partBytes?: number;
  chunkBytes?: number;
}

export interface BackupContext {
  instance: string;
  socket: SocketTarget;
  store: BlobStore;
  archive: StoreSpec;
  /**
   * Set where this instance cannot switch segments itself (a standby: on its primary; a designated
   * primary: on the source), so that the backup's last segment is completed and archived.
   */
  switchWal?: () => Promise<void>;
  onUpdate: (report: BackupReport) => void;
}

const ARCHIVE_WAIT_MS = 10 * 60_000;

interface ServerFacts {
  systemId: string;
  version: number;
  segmentSize: number;
  pgdata: string;
  dataChecksums: boolean;
}

async function serverFacts(socket: SocketTarget): Promise<ServerFacts> {
  return withConnection(socket, 'postgres', async (c) => {
    const r = await c.query(`SELECT (SELECT system_identifier FROM pg_control_system())::text AS system_id,
                                    current_setting('server_version_num')::int AS version,
                                    current_setting('wal_segment_size') AS segsize,
                                    (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size')::bigint AS segbytes,
                                    current_setting('data_directory') AS pgdata,
                                    current_setting('data_checksums') = 'on' AS checksums`);
    const row = r.rows[0] as { system_id: string; version: number; segbytes: string; pgdata: string; checksums: boolean };
    return { systemId: row.system_id, version: row.version, segmentSize: Number(row.segbytes), pgdata: row.pgdata, dataChecksums: row.checksums };
  });
}

interface CopyResult {
  start: string;
  stop: string;
  timeline: number;
  label: string;
  tablespaces: Tablespace[];
  bytesStored: number;
}

/** Between pg_backup_start and pg_backup_stop on one connection: closing it any other way aborts the backup. */
async function copyRunningServer(ctx: BackupContext, req: BackupRequest, facts: ServerFacts, backupId: string, onTablespaces: (t: Tablespace[]) => Promise<void>): Promise<CopyResult> {
  const fast = req.immediateCheckpoint ?? ctx.archive.immediateCheckpoint;
  const api = backupApi(facts.version);
  const archive = (base: string) =>
    new TarArchiveUpload(ctx.store, ctx.archive.serverName, backupId, base, { compression: ctx.archive.dataCompression, jobs: req.jobs ?? ctx.archive.dataJobs, maxPartBytes: req.partBytes, chunkBytes: req.chunkBytes });
  return withConnection(ctx.socket, 'postgres', async (c) => {
    // The session idles while files are copied: a Cluster's idle_session_timeout (14+) must not end it.
    if (facts.version >= 140000) await c.query('SET idle_session_timeout = 0');
    const start = (await c.query<{ lsn: string }>(api.start, [`cnpg-ts backup ${backupId}`, fast])).rows[0]!.lsn;
    const rows = (await c.query<{ oid: string; name: string; location: string }>(TABLESPACES_QUERY)).rows;
    const tablespaces = rows.filter((t) => t.location.startsWith('/')).map((t) => ({ name: t.name, oid: Number(t.oid), location: t.location }));
    await onTablespaces(tablespaces);
    let bytesStored = 0;
    const major = Math.floor(facts.version / 10000);
    for (const t of tablespaces) {
      const upload = archive(String(t.oid));
      try {
        const folder = tablespaceDiskPath(t.location, facts.pgdata);
        await requireFolder(folder, `tablespace ${t.name}`);
        await copyTree(upload, folder, tablespaceRules(major));
        bytesStored += (await upload.finish()).bytesStored;
      } catch (e) {
        upload.abort(e as Error);
        throw e;
      }
    }
    const data = archive('data');
    try {
      await copyTree(data, facts.pgdata, pgdataRules);
      // Last, as pg_basebackup and barman do: a copy without it is no data folder at all.
      await copyFile(data, facts.pgdata, 'global/pg_control');
      const stopped = (await c.query<{ lsn: string; labelfile: string }>(api.stop, [false])).rows[0]!;
      const timeline = labelTimeline(stopped.labelfile);
      if (!timeline) throw new Error(`pg_backup_stop returned a backup_label without its timeline: ${stopped.labelfile.slice(0, 300)}`);
      // The WAL from start to stop still in pg_wal goes along, as pg_basebackup -X fetch did: the
      // backup restores without the archive, which a standby's first segments (streamed by the
      // clone that made it, never archived by it) may not be in. A segment already gone is left
      // to the archive, where the backup waits for its last one.
      for (const name of backupSegments(timeline, start, stopped.lsn, facts.segmentSize)) await copyFile(data, facts.pgdata, `pg_wal/${name}`);
      const label = Buffer.from(stopped.labelfile);
      await data.add({ name: 'backup_label', type: 'file', mode: 0o600, mtime: new Date(), size: label.length }, label);
      bytesStored += (await data.finish()).bytesStored;
      return { start, stop: stopped.lsn, timeline, label: stopped.labelfile, tablespaces, bytesStored };
    } catch (e) {
      data.abort(e as Error);
      throw e;
    }
  }, 10_000);
}

/** The segments holding the WAL from start to stop, in order. */
export function backupSegments(timeline: number, start: string, stop: string, segmentSize: number): string[] {
  const seg = BigInt(segmentSize);
  const names: string[] = [];
  for (let n = parseLsn(start) / seg; n <= parseLsn(stop) / seg; n++) names.push(walFileName(timeline, n * seg, segmentSize));
  return names;
}

export async function switchWalOnPrimary(primary: { endpoint: PrimaryEndpoint; replicationPassword: string }): Promise<void> {
  const client = new pg.Client({
    host: primary.endpoint.host,
    port: primary.endpoint.port,
    user: REPLICATION_USER,
    password: primary.replicationPassword,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_switch_wal()');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForArchivedWal(ctx: BackupContext, wal: string): Promise<void> {
  const prefix = walKey(ctx.archive.serverName, wal);
  const deadline = Date.now() + ARCHIVE_WAIT_MS;
  let switched = false;
  for (;;) {
    if ((await ctx.store.list(prefix)).length > 0) return;
    if (!switched && ctx.switchWal) {
      await ctx.switchWal();
      switched = true;
    }
    if (Date.now() > deadline) throw new Error(`WAL ${wal}, needed by the backup, was not archived within ${ARCHIVE_WAIT_MS / 60_000} minutes`);
    await sleep(500);
  }
}

export async function takeBaseBackup(ctx: BackupContext, req: BackupRequest): Promise<BackupReport> {
  const started = new Date();
  const report: BackupReport = { backupName: req.backupName, phase: 'running', instance: ctx.instance, backupId: newBackupId(started), startedAt: started.toISOString() };
  ctx.onUpdate({ ...report });
  const { serverName } = ctx.archive;
  const info: BackupInfo = { backupId: report.backupId!, backupName: req.backupName, status: 'STARTED', beginTime: started, compression: ctx.archive.dataCompression };
  try {
    const facts = await serverFacts(ctx.socket);
    Object.assign(info, { systemId: facts.systemId, version: facts.version, xlogSegmentSize: facts.segmentSize, pgdata: facts.pgdata });
    await writeBackupInfo(ctx.store, serverName, info);
    const copied = await copyRunningServer(ctx, req, facts, info.backupId, async (tablespaces) => {
      if (tablespaces.length === 0) return;
      info.tablespaces = tablespaces;
      await writeBackupInfo(ctx.store, serverName, info);
    });
    const seg = BigInt(facts.segmentSize);
    Object.assign(info, {
      endTime: new Date(),
      timeline: copied.timeline,
      beginXlog: copied.start,
      endXlog: copied.stop,
      beginWal: walFileName(copied.timeline, copied.start, facts.segmentSize),
      // An end on a segment boundary needs only the segment before it, as pg_walfile_name says.
      endWal: pgWalfileName(copied.timeline, copied.stop, facts.segmentSize),
      beginOffset: Number(parseLsn(copied.start) % seg),
      endOffset: Number(parseLsn(copied.stop) % seg),
      backupLabel: copied.label,
      size: copied.bytesStored,
    });
    Object.assign(report, { beginLSN: info.beginXlog, endLSN: info.endXlog, beginWal: info.beginWal, endWal: info.endWal, timeline: info.timeline });
    ctx.onUpdate({ ...report });
    info.status = 'WAITING_FOR_WALS';
    await writeBackupInfo(ctx.store, serverName, info);
    await waitForArchivedWal(ctx, info.endWal!);
    info.status = 'DONE';
    await writeBackupInfo(ctx.store, serverName, info);
    return { ...report, phase: 'completed', stoppedAt: info.endTime!.toISOString() };
  } catch (e) {
    const error = (e as Error).message;
    info.status = 'FAILED';
    info.error = error;
    info.endTime ??= new Date();
    await writeBackupInfo(ctx.store, serverName, info).catch(() => undefined);
    return { ...report, phase: 'failed', error, stoppedAt: new Date().toISOString() };
  }
}
