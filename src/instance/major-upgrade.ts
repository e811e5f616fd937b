// The in-place major upgrade of one stopped instance's data, as CloudNativePG's upgrade job does it:
// a new data folder made by the new major's initdb with the old one's WAL segment size and
// checksums, `pg_upgrade --check`, then `pg_upgrade --link`, then the new folder renamed into place.
// The old data is untouched until the link step; a failure before the rename leaves it startable by
// the old binaries (pg_upgrade's pg_control.old put back), so the cluster can stay on its old major.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseControlData } from '../postgres/controldata.js';
import { copyTablespaceLink, removeOtherMajors } from './major-upgrade-tablespaces.js';
import { ensurePrivateDir } from './private-dir.js';
import { CommandError, readControlData, runTool } from './run.js';

export interface MajorUpgradeRequest {
  /** pg_upgrade works in it; the new data folder is made beside it. */
  pgdata: string;
  oldBinDir: string;
  newBinDir: string;
  /** Where the servers pg_upgrade starts put their Unix sockets (the instance's private one). */
  socketDir: string;
  /** The instance's port: free while it is stopped, and nobody else's. */
  port: number;
  /** Hard links (the default, as CloudNativePG): seconds whatever the size, the old data unusable afterwards. */
  link?: boolean;
  /**
   * The WAL archiver's record of what it stored, emptied afterwards: the new system starts again at
   * timeline 1, whose segment names the old one's archive already holds.
   */
  archiveSpools: string[];
  /** Made afterwards: the archiver then refuses a store holding the old system's WAL, as after a bootstrap. */
  emptyArchiveCheck: string;
}

export type MajorUpgradeOutcome =
  | { ok: true; fromMajor: number; toMajor: number; version: string; seconds: number }
  /** `check`: pg_upgrade --check refused, nothing changed; `upgrade`: the run failed, the old data put back. */
  | { ok: false; stage: 'prepare' | 'check' | 'upgrade'; reason: string };

/** The major a data folder belongs to (its PG_VERSION), or undefined where it has none. */
export function dataMajor(pgdata: string): number | undefined {
  const file = join(pgdata, 'PG_VERSION');
  if (!existsSync(file)) return undefined;
  const major = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(major) && major > 0 ? major : undefined;
}

async function serverVersion(binDir: string): Promise<string> {
  const out = await runTool(join(binDir, 'postgres'), ['--version']);
  const version = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(out)?.[1];
  if (!version) throw new Error(`${binDir}/postgres --version said ${JSON.stringify(out.trim())}`);
  return version;
}

/** initdb's arguments for a new folder pg_upgrade accepts: the old one's WAL segment size and checksums. */
export function initdbArgumentsFor(newdata: string, controlData: string, toMajor: number): string[] {
  const fields = parseControlData(controlData);
  const segmentBytes = Number(fields.get('Bytes per WAL segment'));
  if (!Number.isInteger(segmentBytes) || segmentBytes <= 0) throw new Error('pg_controldata did not report the WAL segment size');
  // Reachable only through the private socket pg_upgrade uses; the manager writes pg_hba.conf before PostgreSQL starts.
  const args = ['-D', newdata, '-U', 'postgres', '--auth=trust', `--wal-segsize=${segmentBytes / (1024 * 1024)}`];
  const checksums = fields.get('Data page checksum version') !== '0';
  if (checksums) args.push('--data-checksums');
  else if (toMajor >= 18) args.push('--no-data-checksums');
  return args;
}

/**
 * What pg_upgrade said was wrong: its lines that are not a passed check, and the start of the
 * report file it names (the objects in the way), so that the Cluster's status can say it.
 */
export function pgUpgradeReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const reportFile = lines.map((l) => /^(\/\S+\.txt)$/.exec(l)?.[1]).find((f): f is string => f !== undefined && existsSync(f));
  // The report is quoted below: its path (in a folder removed with the failed attempt) says nothing more.
  const telling = lines.filter(
    (l) => !/\s(ok|skipped)$/.test(l) && !/^(Performing Consistency Checks|-+|Checking |Failure, exiting)/.test(l) && !(reportFile && (l === reportFile || /^A list of .* is in the file:$/.test(l))),
  );
  const reason = (telling.length > 0 ? telling : lines.slice(-3)).slice(0, 12);
  if (reportFile) reason.push(...readFileSync(reportFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 5));
  // "Consult the last few lines of "….log"": those lines are the cause.
  const logFile = /last few lines of "(\/[^"]+\.log)"/.exec(output)?.[1];
  if (logFile && existsSync(logFile)) reason.push(...readFileSync(logFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(-5));
  return reason.join(' ').replace(/\s+/g, ' ').slice(0, 1000);
}

/**
 * A previous attempt stopped part way: make the folders what they were before it, or finish its
 * rename; either way the tablespaces keep only the subfolder of the data's major.
 */
function recover(pgdata: string, newdata: string, olddata: string): void {
  if (!existsSync(pgdata) && existsSync(olddata)) {
    // The old folder is set aside only after pg_upgrade succeeded: the new one is complete.
    if (existsSync(newdata)) renameSync(newdata, pgdata);
    else renameSync(olddata, pgdata);
  }
  rmSync(olddata, { recursive: true, force: true });
  rmSync(newdata, { recursive: true, force: true });
  putBackControlFile(pgdata);
  removeOtherMajors(pgdata, dataMajor(pgdata));
}

/** pg_upgrade --link renames the old pg_control once linking starts; while the new server never ran, the old data is whole. */
function putBackControlFile(pgdata: string): void {
  const control = join(pgdata, 'global', 'pg_control');
  if (!existsSync(control) && existsSync(`${control}.old`)) renameSync(`${control}.old`, control);
}

export async function upgradeMajor(req: MajorUpgradeRequest): Promise<MajorUpgradeOutcome> {
  const started = Date.now();
  const newdata = `${req.pgdata}.new`;
  const olddata = `${req.pgdata}.old`;
  recover(req.pgdata, newdata, olddata);
  const version = await serverVersion(req.newBinDir);
  const toMajor = Number(version.split('.')[0]);
  const fromMajor = dataMajor(req.pgdata);
  if (fromMajor === undefined) return { ok: false, stage: 'prepare', reason: `${req.pgdata} holds no PostgreSQL data (no PG_VERSION)` };
  const done = { ok: true as const, fromMajor, toMajor, version };
  if (fromMajor === toMajor) return { ...done, seconds: 0 };
  if (fromMajor > toMajor) return { ok: false, stage: 'prepare', reason: `the data is PostgreSQL ${fromMajor}'s; ${version} cannot run it` };

  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', PGUSER: 'postgres' };
  const controlData = await readControlData(req.oldBinDir, req.pgdata);
  if (!/Database cluster state:\s+shut down\s*$/m.test(controlData)) {
    return { ok: false, stage: 'prepare', reason: `${req.pgdata} was not shut down cleanly; start it on PostgreSQL ${fromMajor} and stop it first` };
  }
  const failed = (stage: 'prepare' | 'check' | 'upgrade', e: unknown): MajorUpgradeOutcome => {
    const reason = e instanceof CommandError ? pgUpgradeReason(e.output) : (e as Error).message;
    rmSync(newdata, { recursive: true, force: true });
    putBackControlFile(req.pgdata);
    removeOtherMajors(req.pgdata, fromMajor);
    return { ok: false, stage, reason };
  };
  try {
    await runTool(join(req.newBinDir, 'initdb'), initdbArgumentsFor(newdata, controlData, toMajor), env);
    copyTablespaceLink(req.pgdata, newdata);
    ensurePrivateDir(req.socketDir);
  } catch (e) {
    return failed('prepare', e);
  }
  const args = [
    '--old-bindir', req.oldBinDir, '--new-bindir', req.newBinDir,
    '--old-datadir', req.pgdata, '--new-datadir', newdata,
    '--username', 'postgres', '--socketdir', req.socketDir,
    '--old-port', String(req.port), '--new-port', String(req.port),
    // The old server pg_upgrade starts must archive nothing nor wait for standbys that are stopped.
    '--old-options', "-c archive_mode=off -c synchronous_standby_names=''",
    ...(req.link === false ? [] : ['--link']),
  ];
  // From the old data folder: a local tablespace location resolves through the working folder
  // (storage.ts), for pg_upgrade as for the servers it starts. Its delete_old_cluster.sh lands
  // there too, and goes with the old folder.
  const pgUpgrade = (extra: string[]) => runTool(join(req.newBinDir, 'pg_upgrade'), [...args, ...extra], env, req.pgdata);
  try {
    await pgUpgrade(['--check']);
  } catch (e) {
    return failed('check', e);
  }
  try {
    await pgUpgrade([]);
  } catch (e) {
    return failed('upgrade', e);
  }
  renameSync(req.pgdata, olddata);
  renameSync(newdata, req.pgdata);
  rmSync(olddata, { recursive: true, force: true });
  removeOtherMajors(req.pgdata, toMajor);
  for (const spool of req.archiveSpools) rmSync(spool, { recursive: true, force: true });
  writeFileSync(req.emptyArchiveCheck, '', { mode: 0o600 });
  return { ...done, seconds: (Date.now() - started) / 1000 };
}
