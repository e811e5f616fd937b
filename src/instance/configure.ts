// Writes the configuration files an instance's spec implies and keeps the primary's slots in line.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { buildParameters, renderPostgresqlConf } from '../postgres/config.js';
import { renderPgHba, renderPgIdent } from '../postgres/hba.js';
import { hotStandbyMinimums } from '../postgres/hot-standby.js';
import { primaryConninfo } from './join.js';
import type { InstancePaths } from './paths.js';
import { runTool } from './run.js';
import type { InstanceSpec, TlsMaterial } from './spec.js';
import { scriptCommand } from './wal-scripts.js';

export const SLOT_PREFIX = '_cnpg_';

/** Writes a file only when its content differs; returns whether anything changed. */
function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  // Replaced whole, so PostgreSQL never reads a half-written file (a certificate while it reloads).
  writeFileAtomicallySync(path, content, { mode: 0o600 });
  return true;
}

/** PostgreSQL refuses a key file others can read; the files belong to the manager's (postgres) user. */
function writeTlsFiles(paths: InstancePaths, tls: TlsMaterial): boolean {
  mkdirSync(paths.certificates.dir, { recursive: true, mode: 0o700 });
  let changed = writeIfChanged(paths.certificates.cert, tls.cert);
  changed = writeIfChanged(paths.certificates.key, tls.key) || changed;
  return writeIfChanged(paths.certificates.ca, tls.ca) || changed;
}

/**
 * The postgresql.conf settings a spec implies; `tls` when certificates were delivered, `overrides`
 * while an archive recovery runs or to keep a standby startable.
 */
export function instanceParameters(spec: InstanceSpec, paths: InstancePaths, tls = false, overrides?: Record<string, string>): Record<string, string> {
  const standby =
    spec.role === 'replica' && spec.primary
      ? { primaryConninfo: primaryConninfo(spec.primary, spec.name, paths.passfile), primarySlotName: spec.slotName }
      : undefined;
  return buildParameters({
    userParameters: spec.parameters,
    instanceName: spec.name,
    port: spec.pgPort,
    socketDir: paths.socketDir,
    listenAddress: spec.listenAddress,
    standby,
    synchronousStandbyNames: spec.synchronousStandbyNames,
    archiveCommand: scriptCommand(paths.archiveScript, '%f'),
    overrides,
    tls: tls ? { certFile: paths.certificates.cert, keyFile: paths.certificates.key, caFile: paths.certificates.ca } : undefined,
  });
}

/** Returns whether anything changed, certificates included: all of it takes a reload, no restart. */
/**
 * The hot-standby-sensitive settings of the spec that are lower than the values the data's control
 * file recorded of the server whose WAL it replays, raised to them: without that, a standby (or an
 * archive recovery) refuses to start until it has replayed a change it cannot replay while down.
 */
export async function hotStandbyFloor(spec: InstanceSpec, paths: InstancePaths): Promise<Record<string, string>> {
  const control = await runTool(join(spec.binDir, 'pg_controldata'), [paths.pgdata], { ...process.env, LC_ALL: 'C' });
  return hotStandbyMinimums(control, instanceParameters(spec, paths));
}

export function writeConfiguration(spec: InstanceSpec, paths: InstancePaths, tls: TlsMaterial | undefined, overrides?: Record<string, string>): boolean {
  let changed = tls ? writeTlsFiles(paths, tls) : false;
  const params = instanceParameters(spec, paths, tls !== undefined, overrides);
  changed = writeIfChanged(join(paths.pgdata, 'postgresql.conf'), renderPostgresqlConf(params)) || changed;
  changed = writeIfChanged(join(paths.pgdata, 'pg_hba.conf'), renderPgHba({ userLines: spec.pgHba, major: spec.major })) || changed;
  changed =
    writeIfChanged(join(paths.pgdata, 'pg_ident.conf'), renderPgIdent({ osUser: spec.osUser, localRoles: spec.localRoles, userLines: spec.pgIdent })) ||
    changed;
  const signal = join(paths.pgdata, 'standby.signal');
  if (spec.role === 'replica' && !existsSync(signal)) {
    writeFileSync(signal, '', { mode: 0o600 });
    changed = true;
  } else if (spec.role === 'primary' && existsSync(signal)) {
    rmSync(signal);
    changed = true;
  }
  return changed;
}

/** Creates the physical slots the primary keeps for its standbys and drops stale, inactive ones. */
export async function reconcileSlots(c: pg.Client, wanted: string[]): Promise<void> {
  const r = await c.query("SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical' AND slot_name LIKE $1", [
    `${SLOT_PREFIX.replaceAll('_', '\\_')}%`,
  ]);
  const existing = new Map(r.rows.map((row: { slot_name: string; active: boolean }) => [row.slot_name, row.active]));
  for (const name of wanted) {
    if (!existing.has(name)) await c.query('SELECT pg_create_physical_replication_slot($1, true)', [name]);
  }
  for (const [name, active] of existing) {
    if (!wanted.includes(name) && !active) await c.query('SELECT pg_drop_replication_slot($1)', [name]);
  }
}
