// A restore drill: the chosen base backup and every archived WAL after it, restored into a
// throwaway data folder and started on a private socket; once promoted at the end of the archive,
// pg_amcheck checks every database and the user's row counts are taken. Whatever happens, the
// server is stopped and its folder deleted before the outcome is returned.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeRowCount, parseRowCount, rowCountHolds, type RowCountResult } from '../api/backup-verification.js';
import { listBackups, listWals, openBlobStore } from '../objectstore/index.js';
import { quoteIdent } from '../postgres/sql.js';
import { withConnection, type SocketTarget } from './db.js';
import { archiveEndWal, historySwitchpoint, recoveredWal, replayReachedEnd } from './drill-checks.js';
import { instancePaths } from './paths.js';
import { Postmaster } from './postmaster.js';
import { lastFatal, requestArchiveRecovery, restoreBaseBackup, startWalRestorer } from './recovery.js';
import { CommandError, runTool } from './run.js';
import type { RecoveryBootstrap, StoreSecrets, StoreSpec } from './spec.js';
import type { StorageLayout } from './storage-layout.js';
import { storeTarget } from './store-target.js';
import type { WalRestorer } from './wal-restorer.js';
import { scriptCommand } from './wal-scripts.js';

export interface DrillRequest {
  /** An empty folder the drill owns; deleted at the end. */
  workDir: string;
  /** Where the server's Unix socket goes (short: sun_path is 107 bytes); emptied at the end. */
  socketDir: string;
  binDir: string;
  port: number;
  source: StoreSpec;
  secrets?: StoreSecrets;
  backupId: string;
  /** Where `schema.table` checks without a database count. */
  defaultDatabase: string;
  counts: string[];
}

/** What a drill is asked to do, apart from where it runs: the file a Kubernetes drill Pod reads (restore-drill-main.ts). */
export type DrillTask = Pick<DrillRequest, 'source' | 'secrets' | 'backupId' | 'defaultDatabase' | 'counts'>;

export type DrillStage = 'restore' | 'replay' | 'amcheck' | 'count';

export interface DrillOutcome {
  ok: boolean;
  /** The stage that failed; the last one reached when ok. */
  stage: DrillStage;
  backupId: string;
  archiveEndWal?: string;
  recoveredToLSN?: string;
  recoveredToWal?: string;
  restoredWalFiles?: number;
  amcheck?: { ok: boolean; output?: string };
  rows?: RowCountResult[];
  error?: string;
}

/** pg_amcheck's exit code when it found corruption (1 is any other failure). */
const AMCHECK_CORRUPTION = 2;
const OUTPUT_LIMIT = 2000;

class DrillFailure extends Error {
  constructor(
    readonly stage: DrillStage,
    message: string,
  ) {
    super(message);
  }
}

export async function runRestoreDrill(req: DrillRequest): Promise<DrillOutcome> {
  const outcome: DrillOutcome = { ok: false, stage: 'restore', backupId: req.backupId };
  const paths = instancePaths(req.workDir, req.port);
  const postmaster = new Postmaster(req.binDir, paths.pgdata, paths.postgresLog);
  let restorer: WalRestorer | undefined;
  try {
    mkdirSync(paths.pgdata, { recursive: true, mode: 0o700 });
    const bootstrap: RecoveryBootstrap = { kind: 'recovery', source: req.source, target: { backupID: req.backupId }, database: req.defaultDatabase, owner: req.defaultDatabase };
    const credentials = { replicationPassword: '', rolePasswords: {}, managerToken: '', stores: { recovery: req.secrets } };
    const store = openBlobStore(storeTarget(req.source, req.secrets));
    outcome.archiveEndWal = archiveEndWal((await listWals(store, req.source.serverName)).map((w) => w.name));
    const backup = await restoreBaseBackup(bootstrap, credentials, paths.pgdata, await throwawayTablespaces(store, req));
    restorer = startWalRestorer(bootstrap, credentials, paths, backup);
    writeThrowawayConfiguration(paths.pgdata, req, paths.restoreScript);
    requestArchiveRecovery(paths.pgdata);

    outcome.stage = 'replay';
    postmaster.start();
    const socket = { socketDir: req.socketDir, port: req.port };
    await waitUntilPromoted(postmaster, socket, paths.postgresLog);
    outcome.restoredWalFiles = restorer.restored;
    const end = switchpoint(paths.pgdata, backup.xlogSegmentSize);
    if (end) Object.assign(outcome, { recoveredToLSN: end.lsn, recoveredToWal: end.wal });
    if (!end || !replayReachedEnd(end.wal, outcome.archiveEndWal)) {
      const missing = restorer.lastError ? ` (the last fetch from the store failed: ${restorer.lastError})` : '';
      throw new DrillFailure(
        'replay',
        `replay stopped at ${end ? `${end.lsn} in WAL ${end.wal}` : 'an unknown point'}, before the end of the archive (WAL ${outcome.archiveEndWal}): ` +
          `the WAL segment after it is missing or damaged in the store${missing}; ${lastFatal(paths.postgresLog) ?? 'see what PostgreSQL logged about it'}. ` +
          'Recoveries from this backup lose every change after that point: take a new base backup.',
      );
    }

    outcome.stage = 'amcheck';
    outcome.amcheck = await amcheck(req, socket);
    if (!outcome.amcheck.ok) throw new DrillFailure('amcheck', `pg_amcheck found corruption in the restored data: ${outcome.amcheck.output ?? ''}`);

    outcome.stage = 'count';
    outcome.rows = await countRows(req, socket);
    const short = outcome.rows.filter((r) => !r.ok);
    if (short.length > 0) throw new DrillFailure('count', `row counts not met: ${short.map((r) => `${r.check} (found ${r.rows})`).join(', ')}`);
    outcome.ok = true;
  } catch (e) {
    if (e instanceof DrillFailure) outcome.stage = e.stage;
    outcome.error = (e as Error).message.slice(0, OUTPUT_LIMIT);
  } finally {
    await postmaster.stop(10_000).catch(() => undefined);
    await restorer?.stop().catch(() => undefined);
    rmSync(req.workDir, { recursive: true, force: true });
    rmSync(req.socketDir, { recursive: true, force: true });
  }
  return outcome;
}

/**
 * The restored folder's own configuration names the source's archive command, certificates and
 * hba rules: replaced whole. No archiving (the drill must never write to any store), no TCP, no
 * hot standby (so the source's max_connections and friends need not be matched), trust only on a
 * socket in a folder no one else can enter.
 */
function writeThrowawayConfiguration(pgdata: string, req: DrillRequest, restoreScript: string): void {
  const conf = [
    `port = ${req.port}`,
    "listen_addresses = ''",
    `unix_socket_directories = '${req.socketDir.replaceAll("'", "''")}'`,
    'unix_socket_permissions = 0700',
    "archive_mode = 'off'",
    'hot_standby = off',
    `restore_command = '${scriptCommand(restoreScript, '%f %p').replaceAll("'", "''")}'`,
    "recovery_target_timeline = 'latest'",
    'max_connections = 20',
    "shared_buffers = '32MB'",
    'fsync = off',
    `hba_file = '${join(pgdata, 'pg_hba.conf').replaceAll("'", "''")}'`,
    `ident_file = '${join(pgdata, 'pg_ident.conf').replaceAll("'", "''")}'`,
    'ssl = off',
    "log_min_messages = 'warning'",
    '',
  ];
  writeFileSync(join(pgdata, 'postgresql.conf'), conf.join('\n'), { mode: 0o600 });
  writeFileSync(join(pgdata, 'pg_hba.conf'), 'local all all trust\n', { mode: 0o600 });
  writeFileSync(join(pgdata, 'pg_ident.conf'), '', { mode: 0o600 });
}

/** Replay has no deadline of its own: the platform bounds the whole drill. */
async function waitUntilPromoted(postmaster: Postmaster, socket: SocketTarget, postgresLog: string): Promise<void> {
  for (;;) {
    if (!postmaster.running) throw new DrillFailure('replay', `PostgreSQL stopped during replay: ${lastWords(postgresLog) ?? 'it logged no reason'}`);
    const promoted = await withConnection(socket, 'postgres', async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === false, 1000).catch(() => false);
    if (promoted) return;
    await sleep(200);
  }
}

/** The server's last messages: its log goes with the throwaway folder, so the reason must travel in the outcome. */
function lastWords(postgresLog: string): string | undefined {
  if (!existsSync(postgresLog)) return undefined;
  const lines = readFileSync(postgresLog, 'utf8').split('\n').filter((l) => /\b(LOG|WARNING|FATAL|PANIC|DETAIL|HINT|CONTEXT):/.test(l));
  return lines.length > 0 ? lines.slice(-4).map((l) => l.replace(/^.*?\b(LOG|WARNING|FATAL|PANIC|DETAIL|HINT|CONTEXT):\s*/, '$1: ')).join(' | ') : undefined;
}

function switchpoint(pgdata: string, segmentSize: number | undefined): { lsn: string; wal: string } | undefined {
  const walDir = join(pgdata, 'pg_wal');
  const newest = readdirSync(walDir).filter((f) => /^[0-9A-F]{8}\.history$/.test(f)).sort().at(-1);
  const point = newest && existsSync(join(walDir, newest)) ? historySwitchpoint(readFileSync(join(walDir, newest), 'utf8')) : undefined;
  return point ? { lsn: point.lsn, wal: recoveredWal(point.parentTimeline, point.lsn, segmentSize) } : undefined;
}

async function amcheck(req: DrillRequest, socket: SocketTarget): Promise<{ ok: boolean; output?: string }> {
  const args = ['-h', socket.socketDir, '-p', String(socket.port), '-U', 'postgres', '--all', '--heapallindexed', '--install-missing', '--no-password'];
  try {
    await runTool(join(req.binDir, 'pg_amcheck'), args, { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' });
    return { ok: true };
  } catch (e) {
    if (e instanceof CommandError && e.code === AMCHECK_CORRUPTION) return { ok: false, output: e.output.trim().slice(-OUTPUT_LIMIT) };
    throw new DrillFailure('amcheck', `pg_amcheck could not check the restored data: ${(e as Error).message}`);
  }
}

async function countRows(req: DrillRequest, socket: SocketTarget): Promise<RowCountResult[]> {
  const results: RowCountResult[] = [];
  for (const text of req.counts) {
    const parsed = parseRowCount(text);
    if (!parsed.ok) throw new DrillFailure('count', parsed.message);
    const c = parsed.value;
    const database = c.database ?? req.defaultDatabase;
    const sql = `SELECT count(*) AS n FROM ${quoteIdent(c.schema)}.${quoteIdent(c.table)}`;
    const rows = await withConnection(socket, database, async (client) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n), 10_000).catch((e: Error) => {
      throw new DrillFailure('count', `${describeRowCount(c)}: cannot count rows in database ${database}: ${e.message}`);
    });
    results.push({ check: describeRowCount(c), rows, ok: rowCountHolds(c.op, rows, c.count) });
  }
  return results;
}

/** Each tablespace of the backup in a folder of the drill's own, whatever the Cluster declares now. */
async function throwawayTablespaces(store: ReturnType<typeof openBlobStore>, req: DrillRequest): Promise<StorageLayout> {
  const info = (await listBackups(store, req.source.serverName)).find((b) => b.backupId === req.backupId);
  return {
    tablespaces: (info?.tablespaces ?? []).map((t) => {
      const directory = join(req.workDir, 'tablespaces', String(t.oid));
      return { name: t.name, owner: 'postgres', temporary: false, directory, location: directory };
    }),
  };
}
