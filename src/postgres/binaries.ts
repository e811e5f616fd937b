// Finds installed PostgreSQL server binaries and picks the one a Cluster's image asks for.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface PostgresInstallation {
  major: number;
  version: string;
  binDir: string;
}

const REQUIRED_TOOLS = ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup', 'pg_controldata'];

function versionOf(binDir: string): string | undefined {
  try {
    const out = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 5000 });
    return /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function candidateBinDirs(pathEnv: string | undefined): string[] {
  const dirs: string[] = [];
  for (const dir of (pathEnv ?? '').split(delimiter).filter(Boolean)) {
    const pgCtl = join(dir, 'pg_ctl');
    if (existsSync(pgCtl)) dirs.push(dirname(realpathSync(pgCtl)));
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    for (const entry of readdirSync(debianRoot)) dirs.push(join(debianRoot, entry, 'bin'));
  }
  return [...new Set(dirs)];
}

let cached: PostgresInstallation[] | undefined;

/** Installed majors, newest first; a major found twice keeps its first (PATH) location. */
export function findInstallations(pathEnv = process.env.PATH): PostgresInstallation[] {
  if (cached && pathEnv === process.env.PATH) return cached;
  const byMajor = new Map<number, PostgresInstallation>();
  for (const binDir of candidateBinDirs(pathEnv)) {
    if (!REQUIRED_TOOLS.every((t) => existsSync(join(binDir, t)))) continue;
    const version = versionOf(binDir);
    if (!version) continue;
    const major = Number(version.split('.')[0]);
    if (!byMajor.has(major)) byMajor.set(major, { major, version, binDir });
  }
  const found = [...byMajor.values()].sort((a, b) => b.major - a.major);
  if (pathEnv === process.env.PATH) cached = found;
  return found;
}

export class PostgresNotInstalledError extends Error {
  constructor(
    readonly wanted: number | undefined,
    readonly installed: number[],
    /** Why no build could be fetched either, when one was looked for (distributions.ts). */
    readonly notFetched?: string,
  ) {
    const fetched = notFetched ? ` and none could be fetched (${notFetched})` : '';
    super(
      installed.length === 0
        ? `no PostgreSQL server binaries found on PATH or under /usr/lib/postgresql/*/bin${fetched} (install e.g. the Debian package postgresql-15)`
        : `PostgreSQL ${wanted} is not installed on this machine (installed: ${installed.join(', ')})${fetched}; ` +
            `install it, or set spec.imageName to a tag of an installed major, e.g. ghcr.io/cloudnative-pg/postgresql:${installed[0]}`,
    );
    this.name = 'PostgresNotInstalledError';
  }
}

/** The installation for `major`, or the newest one when no major is asked for. */
export function resolveInstallation(major: number | undefined, installations = findInstallations()): PostgresInstallation {
  const chosen = major === undefined ? installations[0] : installations.find((i) => i.major === major);
  if (!chosen) throw new PostgresNotInstalledError(major, installations.map((i) => i.major));
  return chosen;
}
