// Writes the configuration files an instance's spec implies.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { buildParameters, renderPostgresqlConf } from '../postgres/config.js';
import { renderPgHba, renderPgIdent } from '../postgres/hba.js';
import { hotStandbyMinimums } from '../postgres/hot-standby.js';
import { librarySettings } from '../postgres/libraries.js';
import { protectAutoConf } from './alter-system.js';
import { designatedParameters, designatedSource, readSourceConninfo, replicaClusterArchiveMode } from './designated-primary.js';
import { primaryConninfo } from './join.js';
import { extensionFolders } from './libraries-spec.js';
import type { InstancePaths } from './paths.js';
import { readControlData } from './run.js';
import type { Credentials, InstanceSpec, TlsMaterial } from './spec.js';
import { scriptCommand } from './wal-scripts.js';

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
  const source = designatedSource(spec);
  const following = source
    ? designatedParameters(source, scriptCommand(paths.restoreScript, '%f %p'), source.streaming ? readSourceConninfo(paths, source.name) : undefined)
    : spec.role === 'primary' && spec.replicaCluster
      ? replicaClusterArchiveMode
      : {};
  const libraries = spec.libraries ?? {};
  const loaded = librarySettings({
    major: spec.major,
    userLibraries: libraries.sharedPreloadLibraries ?? [],
    parameters: spec.parameters,
    extensions: extensionFolders(libraries.extensions ?? [], spec.extensionsRoot),
    enableAlterSystem: libraries.enableAlterSystem ?? false,
  });
  return buildParameters({
    userParameters: { ...spec.parameters, ...loaded },
    instanceName: spec.name,
    port: spec.pgPort,
    socketDir: paths.socketDir,
    listenAddress: spec.listenAddress,
    standby,
    synchronousStandbyNames: spec.synchronousStandbyNames,
    archiveCommand: scriptCommand(paths.archiveScript, '%f'),
    overrides: { ...following, ...overrides },
    tls: tls ? { certFile: paths.certificates.cert, keyFile: paths.certificates.key, caFile: paths.certificates.ca } : undefined,
  });
}

/**
 * The hot-standby-sensitive settings of the spec that are lower than the values the data's control
 * file recorded of the server whose WAL it replays, raised to them: without that, a standby (or an
 * archive recovery) refuses to start until it has replayed a change it cannot replay while down.
 */
export async function hotStandbyFloor(spec: InstanceSpec, paths: InstancePaths): Promise<Record<string, string>> {
  return hotStandbyMinimums(await readControlData(spec.binDir, paths.pgdata), instanceParameters(spec, paths));
}

/** The credentials that end up in configuration files: certificates, and the LDAP bind password pg_hba.conf holds. */
export type FileSecrets = Pick<Credentials, 'tls' | 'ldapBindPassword'>;

/** Returns whether anything changed, certificates and a rotated bind password included: all of it takes a reload, no restart. */
export function writeConfiguration(spec: InstanceSpec, paths: InstancePaths, secrets: FileSecrets, overrides?: Record<string, string>): boolean {
  const tls = secrets.tls;
  let changed = tls ? writeTlsFiles(paths, tls) : false;
  const params = instanceParameters(spec, paths, tls !== undefined, overrides);
  changed = writeIfChanged(join(paths.pgdata, 'postgresql.conf'), renderPostgresqlConf(params)) || changed;
  protectAutoConf(paths.pgdata, spec.major, spec.libraries?.enableAlterSystem ?? false);
  const poolerAuth = spec.poolerAuth ?? false;
  changed = writeIfChanged(join(paths.pgdata, 'pg_hba.conf'), renderPgHba({ userLines: spec.pgHba, major: spec.major, poolerAuth, ldap: spec.ldap, ldapBindPassword: secrets.ldapBindPassword })) || changed;
  changed =
    writeIfChanged(join(paths.pgdata, 'pg_ident.conf'), renderPgIdent({ osUser: spec.osUser, localRoles: spec.localRoles, userLines: spec.pgIdent, poolerAuth })) ||
    changed;
  const signal = join(paths.pgdata, 'standby.signal');
  const standby = spec.role === 'replica' || designatedSource(spec) !== undefined;
  if (standby && !existsSync(signal)) {
    writeFileSync(signal, '', { mode: 0o600 });
    changed = true;
  } else if (!standby && existsSync(signal)) {
    rmSync(signal);
    changed = true;
  }
  return changed;
}

/**
 * The configuration files for the spec as it stands. A standby never runs a hot-standby-sensitive
 * setting below its primary's: a lowered one waits until the standby has replayed the primary's
 * restart with it (the periodic reconcile writes it then, and the pending restart follows).
 */
export async function writeInstanceConfiguration(spec: InstanceSpec, paths: InstancePaths, secrets: FileSecrets): Promise<boolean> {
  const floor = spec.role === 'replica' || designatedSource(spec) ? await hotStandbyFloor(spec, paths) : undefined;
  return writeConfiguration(spec, paths, secrets, floor);
}
