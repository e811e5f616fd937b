// One base backup to the object store: pg_basebackup streams a tar of the running instance, which
// is compressed and uploaded as it arrives; backup.info says STARTED first and DONE only once the
// WAL the backup needs is in the store too, so a DONE backup is always restorable. The tar also
// carries that WAL (-X fetch): it is what makes pg_basebackup report the WAL range on a standby,
// and it makes the backup restorable on its own.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import {
  newBackupId,
  uploadBaseBackupTar,
  walKey,
  writeBackupInfo,
  type BackupInfo,
  type BlobStore,
} from '../objectstore/index.js';
import { parseLsn, pgWalfileName, walFileName } from '../postgres/lsn.js';
import { REPLICATION_USER } from '../postgres/hba.js';
import { withConnection, type SocketTarget } from './db.js';
import type { PrimaryEndpoint, StoreSpec } from './spec.js';
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
}

export interface BackupContext {
  instance: string;
  binDir: string;
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

const START = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/;
const END = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/;
const ARCHIVE_WAIT_MS = 10 * 60_000;

export function parseBasebackupProgress(stderr: string): { start?: string; timeline?: number; end?: string } {
  const s = START.exec(stderr);
  return { start: s?.[1], timeline: s?.[2] ? Number(s[2]) : undefined, end: END.exec(stderr)?.[1] };
}

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

function streamBasebackup(ctx: BackupContext, req: BackupRequest, upload: (tar: NodeJS.ReadableStream) => Promise<unknown>): Promise<string> {
  const fast = req.immediateCheckpoint ?? ctx.archive.immediateCheckpoint;
  const args = ['-h', ctx.socket.socketDir, '-p', String(ctx.socket.port), '-U', 'postgres', '-D', '-', '-F', 'tar', '-X', 'fetch', '--no-manifest', '-c', fast ? 'fast' : 'spread', '-v', '-w'];
  const child = spawn(join(ctx.binDir, 'pg_basebackup'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return upload(child.stdout).then(
    async () => {
      const code = await exited;
      if (code !== 0) throw new Error(`pg_basebackup exited with ${code ?? 'a signal'}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return stderr;
    },
    async (e: unknown) => {
      child.kill('SIGTERM');
      await exited.catch(() => undefined);
      throw e;
    },
  );
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
    let stored = 0;
    const stderr = await streamBasebackup(ctx, req, async (tar) => {
      const r = await uploadBaseBackupTar(ctx.store, serverName, info.backupId, tar, { compression: ctx.archive.dataCompression, jobs: req.jobs ?? ctx.archive.dataJobs });
      stored = r.bytesStored;
    });
    const progress = parseBasebackupProgress(stderr);
    if (!progress.start || !progress.end || !progress.timeline) throw new Error(`pg_basebackup did not report its WAL range: ${stderr.trim().slice(-300)}`);
    const seg = BigInt(facts.segmentSize);
    Object.assign(info, {
      endTime: new Date(),
      timeline: progress.timeline,
      beginXlog: progress.start,
      endXlog: progress.end,
      beginWal: walFileName(progress.timeline, progress.start, facts.segmentSize),
      // An end on a segment boundary needs only the segment before it, as pg_walfile_name says.
      endWal: pgWalfileName(progress.timeline, progress.end, facts.segmentSize),
      beginOffset: Number(parseLsn(progress.start) % seg),
      endOffset: Number(parseLsn(progress.end) % seg),
      size: stored,
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
