// Connecting to a PostgreSQL outside the cluster (an externalClusters entry): its secrets become
// 0600 files in the instance's folder, and libpq gets a conninfo string that names them, so no
// password or key ever appears in a process's arguments or in instance.json.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasControlCharacter } from '../api/control-characters.js';
import { conninfoValue } from '../postgres/sql.js';

/** An external cluster's settings as instance.json carries them: libpq keywords and values. */
export interface ExternalSource {
  name: string;
  params: Record<string, string>;
}

/** Its secret values (the Secrets' contents), as credentials.json carries them. */
export interface ExternalSecrets {
  password?: string;
  /** PEM: the client certificate, its key, and the CA the server's certificate must chain to. */
  sslCert?: string;
  sslKey?: string;
  sslRootCert?: string;
}

export type ExternalConnection = ExternalSource & ExternalSecrets;

/** The handout's two halves joined again: the named external cluster with its secrets. */
export function externalConnection(
  spec: { externalSources?: ExternalSource[] },
  creds: { externalSources?: Record<string, ExternalSecrets> },
  name: string,
): ExternalConnection {
  const source = spec.externalSources?.find((s) => s.name === name);
  if (!source) throw new Error(`external cluster ${name} was not handed to this instance (it needs connectionParameters)`);
  return { ...source, ...(creds.externalSources?.[name] ?? {}) };
}

const KEYWORD = /^[a-z_]+$/;
/** libpq keywords whose value is a file this module writes from the entry's Secrets. */
const FILE_KEYWORDS = { sslCert: 'sslcert', sslKey: 'sslkey', sslRootCert: 'sslrootcert' } as const;

/** Where one external cluster's files live: a folder of its own, named after it. */
export function externalConnectionDir(instanceRoot: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name) || hasControlCharacter(name)) {
    throw new Error(`externalClusters name ${JSON.stringify(name)} cannot name a folder: use letters, digits, '-', '_' or '.'`);
  }
  return join(instanceRoot, 'external', name);
}

/**
 * The conninfo string for `conn`, with the file keywords pointing into `dir` (written or not) and
 * `overrides` (dbname, application_name, …) winning over the entry's own parameters. Every value
 * is quoted as libpq wants; a control character anywhere is refused, as it could end the string.
 */
export function externalConninfo(conn: ExternalConnection, dir: string, overrides: Record<string, string> = {}): string {
  const params: Record<string, string> = { ...conn.params };
  for (const [field, keyword] of Object.entries(FILE_KEYWORDS)) {
    if (conn[field as keyof typeof FILE_KEYWORDS] !== undefined) params[keyword] = join(dir, keyword);
  }
  if (conn.password !== undefined) params.passfile = join(dir, 'pgpass');
  Object.assign(params, overrides);
  return Object.entries(params)
    .map(([keyword, value]) => {
      if (!KEYWORD.test(keyword)) throw new Error(`externalClusters ${conn.name}: connection parameter ${JSON.stringify(keyword)} is not a libpq keyword (lowercase letters and '_')`);
      if (hasControlCharacter(value)) throw new Error(`externalClusters ${conn.name}: connectionParameters.${keyword} contains a control character, which libpq cannot take`);
      return `${keyword}=${conninfoValue(value)}`;
    })
    .join(' ');
}

function escapePgpass(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  // An existing file keeps its mode through writeFileSync: make sure, libpq refuses a readable key.
  chmodSync(path, 0o600);
}

/**
 * The 0600 files the entry's conninfo names, by file name in its folder: the password as a
 * passfile matching any host, database and user (the file serves this one entry), and the PEMs.
 */
export function externalConnectionFiles(conn: ExternalConnection): Record<string, string> {
  if (conn.password !== undefined && hasControlCharacter(conn.password)) {
    throw new Error(`externalClusters ${conn.name}: the password contains a control character, which a passfile cannot hold`);
  }
  const files: Record<string, string> = {};
  for (const [field, keyword] of Object.entries(FILE_KEYWORDS)) {
    const pem = conn[field as keyof typeof FILE_KEYWORDS];
    if (pem !== undefined) files[keyword] = pem;
  }
  if (conn.password !== undefined) files.pgpass = `*:*:*:*:${escapePgpass(conn.password)}\n`;
  return files;
}

/** Writes those files under the instance's folder, and returns the conninfo that uses them. */
export function writeExternalConnection(instanceRoot: string, conn: ExternalConnection, overrides: Record<string, string> = {}): string {
  const dir = externalConnectionDir(instanceRoot, conn.name);
  const conninfo = externalConninfo(conn, dir, overrides);
  const files = externalConnectionFiles(conn);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const [file, content] of Object.entries(files)) writePrivate(join(dir, file), content);
  return conninfo;
}
