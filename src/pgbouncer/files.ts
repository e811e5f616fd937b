// The files PgBouncer reads, rendered from a handout plus what belongs to where the manager runs
// (its folder, its address and port, its admin password). Pure: the manager writes the result.
//
// PgBouncer's parsers take a line at a time without escapes: pgbouncer.ini values run to the end of
// the line (surrounding blanks dropped, no quoting, no inline comment), userlist.txt quotes with
// doubled double quotes, pg_hba.conf is one rule per line. So every value is checked before it is
// written, and a handout that would need a line break or could set what the manager owns is refused
// as a whole, with each problem's path.
import { join } from 'node:path';
import type { PoolerHandout } from './handout.js';
import { HandoutError, type HandoutIssue } from './handout-error.js';
import { controlCharacterProblem } from './text.js';

/** The admin console's user: the manager's own, reached over the unix socket in its private folder. */
export const ADMIN_USER = 'pgbouncer';
/** The admin console's database, built into PgBouncer. */
export const ADMIN_DATABASE = 'pgbouncer';

export const FILE_NAMES = {
  ini: 'pgbouncer.ini',
  hba: 'pg_hba.conf',
  userlist: 'userlist.txt',
  pid: 'pgbouncer.pid',
  serverCA: 'server-tls-ca.crt',
  serverCert: 'server-tls.crt',
  serverKey: 'server-tls.key',
  clientCert: 'client-tls.crt',
  clientKey: 'client-tls.key',
  clientCA: 'client-tls-ca.crt',
} as const;

/** Where and how the manager runs PgBouncer: never part of a handout. */
export interface Placement {
  /** The manager's private (0700) folder: every file is written there. */
  runDir: string;
  /** The unix socket folder (private too): the admin console is reached there. */
  socketDir: string;
  listenAddr: string;
  listenPort: number;
  /** Several PgBouncers of one pooler share the port, and the kernel spreads clients over them. */
  reusePort: boolean;
  /** The admin user's password, made by the manager for this run. */
  adminPassword: string;
}

export interface RenderedFile {
  /** A name in the run folder. */
  name: string;
  content: string;
  mode: number;
}

/** Settings the manager writes from its placement; a handout naming one is refused. */
export const MANAGER_SETTINGS: ReadonlySet<string> = new Set([
  'admin_users',
  'auth_file',
  'auth_hba_file',
  'client_tls_ca_file',
  'client_tls_cert_file',
  'client_tls_key_file',
  'conffile',
  'listen_addr',
  'listen_port',
  'logfile',
  'pidfile',
  'server_tls_ca_file',
  'server_tls_cert_file',
  'server_tls_key_file',
  'so_reuseport',
  'unix_socket_dir',
  'unix_socket_group',
  'unix_socket_mode',
  // PgBouncer switches to this operating-system user, which only root may do; the manager never runs as root.
  'user',
]);

const SETTING_NAME = /^[a-z][a-z0-9_]*$/;
const HOST_NAME = /^[A-Za-z0-9:]([A-Za-z0-9._:-]*[A-Za-z0-9])?$/;
const SOCKET_FOLDER = /^\/[A-Za-z0-9._/-]*$/;
const PEM = /^-----BEGIN [A-Z0-9 ]+-----\r?\n[\s\S]*-----END [A-Z0-9 ]+-----\s*$/;

class Checker {
  readonly issues: HandoutIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** A value written inside a line: no control character, and no blank at either end (PgBouncer would drop it). */
  lineValue(path: string, value: unknown): value is string {
    if (typeof value !== 'string') {
      this.add(path, 'must be a string');
      return false;
    }
    const problem = controlCharacterProblem(value);
    if (problem) this.add(path, problem);
    else if (value !== value.trim()) this.add(path, 'begins or ends with a blank, which PgBouncer would drop; remove it');
    return !problem;
  }

  pem(path: string, value: unknown): void {
    if (typeof value !== 'string' || !PEM.test(value)) this.add(path, 'must be PEM text (-----BEGIN … -----END …)');
  }
}

function checkSettings(c: Checker, settings: Record<string, string>): void {
  for (const [name, value] of Object.entries(settings)) {
    const path = `settings.${name}`;
    if (!SETTING_NAME.test(name)) c.add(path, 'is not a PgBouncer setting name (lower-case letters, digits and underscores)');
    else if (MANAGER_SETTINGS.has(name)) c.add(path, 'is set by the pooler manager from where it runs, not by the handout');
    c.lineValue(path, value);
  }
}

function checkTarget(c: Checker, target: PoolerHandout['target']): void {
  const { host, port } = target ?? ({} as PoolerHandout['target']);
  if (typeof host !== 'string' || !(HOST_NAME.test(host) || SOCKET_FOLDER.test(host))) {
    c.add('target.host', 'must be a host name, an IP address or an absolute socket folder (letters, digits, . _ : - /)');
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) c.add('target.port', 'must be a port number from 1 to 65535');
}

function checkUsers(c: Checker, users: PoolerHandout['users']): void {
  const seen = new Set<string>();
  users.forEach((u, i) => {
    if (c.lineValue(`users[${i}].name`, u.name)) {
      if (u.name === '') c.add(`users[${i}].name`, 'must not be empty');
      if (u.name === ADMIN_USER) c.add(`users[${i}].name`, `${ADMIN_USER} is the admin console's user, which the manager keeps for itself`);
      if (seen.has(u.name)) c.add(`users[${i}].name`, `${u.name} is listed twice`);
      seen.add(u.name);
    }
    c.lineValue(`users[${i}].password`, u.password);
  });
}

function checkHandout(h: PoolerHandout): void {
  const c = new Checker();
  checkSettings(c, h.settings);
  checkTarget(c, h.target);
  h.hba.forEach((line, i) => {
    if (c.lineValue(`hba[${i}]`, line) && line === '') c.add(`hba[${i}]`, 'must not be empty');
  });
  checkUsers(c, h.users);
  c.pem('serverTLS.ca', h.serverTLS.ca);
  if (h.serverTLS.client) {
    c.pem('serverTLS.client.cert', h.serverTLS.client.cert);
    c.pem('serverTLS.client.key', h.serverTLS.client.key);
  }
  if (h.clientTLS) {
    c.pem('clientTLS.server.cert', h.clientTLS.server.cert);
    c.pem('clientTLS.server.key', h.clientTLS.server.key);
    if (h.clientTLS.ca !== undefined) c.pem('clientTLS.ca', h.clientTLS.ca);
  }
  if (c.issues.length > 0) throw new HandoutError(c.issues);
}

function checkPlacement(p: Placement): void {
  for (const [name, value] of Object.entries({ runDir: p.runDir, socketDir: p.socketDir })) {
    if (!SOCKET_FOLDER.test(value)) throw new Error(`the manager's ${name} ${JSON.stringify(value)} must be an absolute path of letters, digits and . _ - /`);
  }
  if (!HOST_NAME.test(p.listenAddr) && p.listenAddr !== '*') throw new Error(`the listen address ${JSON.stringify(p.listenAddr)} is not a host name or IP address`);
  if (!Number.isInteger(p.listenPort) || p.listenPort < 1 || p.listenPort > 65535) throw new Error(`the listen port ${p.listenPort} is not a port number`);
  if (!/^[A-Za-z0-9]+$/.test(p.adminPassword)) throw new Error('the admin password must be letters and digits');
}

/** userlist.txt quotes both fields with double quotes, a double quote inside doubled. */
const userlistField = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * All the files of one PgBouncer, or a HandoutError listing every problem of the handout. Settings
 * are written in name order, so the same handout always gives the same bytes.
 */
export function renderFiles(handout: PoolerHandout, placement: Placement): RenderedFile[] {
  checkHandout(handout);
  checkPlacement(placement);
  const at = (name: string) => join(placement.runDir, name);
  const files: RenderedFile[] = [];
  const own: Record<string, string> = {
    listen_addr: placement.listenAddr,
    listen_port: String(placement.listenPort),
    unix_socket_dir: placement.socketDir,
    pidfile: at(FILE_NAMES.pid),
    admin_users: ADMIN_USER,
    auth_file: at(FILE_NAMES.userlist),
    auth_hba_file: at(FILE_NAMES.hba),
    ...(placement.reusePort ? { so_reuseport: '1' } : {}),
  };
  const tls = (setting: string, name: string, content: string, mode = 0o644) => {
    files.push({ name, content: content.endsWith('\n') ? content : `${content}\n`, mode });
    own[setting] = at(name);
  };
  tls('server_tls_ca_file', FILE_NAMES.serverCA, handout.serverTLS.ca);
  if (handout.serverTLS.client) {
    tls('server_tls_cert_file', FILE_NAMES.serverCert, handout.serverTLS.client.cert);
    tls('server_tls_key_file', FILE_NAMES.serverKey, handout.serverTLS.client.key, 0o600);
  }
  if (handout.clientTLS) {
    tls('client_tls_cert_file', FILE_NAMES.clientCert, handout.clientTLS.server.cert);
    tls('client_tls_key_file', FILE_NAMES.clientKey, handout.clientTLS.server.key, 0o600);
    if (handout.clientTLS.ca !== undefined) tls('client_tls_ca_file', FILE_NAMES.clientCA, handout.clientTLS.ca);
  }
  const settings = { ...handout.settings, ...own };
  const ini = [
    '; Written by the cnpg-ts pooler manager from its handout; changes here are overwritten.',
    '[databases]',
    `* = host=${handout.target.host} port=${handout.target.port}`,
    '',
    '[pgbouncer]',
    ...Object.keys(settings)
      .sort()
      .map((name) => `${name} = ${settings[name]}`),
    '',
  ].join('\n');
  const hba = [
    '# Written by the cnpg-ts pooler manager; changes here are overwritten.',
    // The manager's own console connections; the socket folder is the manager's alone.
    `local ${ADMIN_DATABASE} ${ADMIN_USER} trust`,
    ...handout.hba,
    '',
  ].join('\n');
  const userlist = [[ADMIN_USER, placement.adminPassword], ...handout.users.map((u) => [u.name, u.password] as const)].map(([n, p]) => `${userlistField(n)} ${userlistField(p)}`).join('\n') + '\n';
  files.push({ name: FILE_NAMES.ini, content: ini, mode: 0o600 }, { name: FILE_NAMES.hba, content: hba, mode: 0o600 }, { name: FILE_NAMES.userlist, content: userlist, mode: 0o600 });
  return files;
}
