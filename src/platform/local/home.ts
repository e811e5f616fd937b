// Where local state lives, and making sure the instances' operating-system user can reach it.
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export interface CnpgHome {
  root: string;
  store: string;
  instances: string;
  daemonState: string;
  daemonLog: string;
  /** World-readable: only the port, so instance managers can check the operator is alive. */
  operatorEndpoint: string;
  /** The user PostgreSQL runs as; set only when we are root and must drop privileges. */
  runAs?: OsUser;
  osUser: string;
}

export function lookupUser(name: string): OsUser | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Root runs PostgreSQL as `postgres`, which cannot enter /root, so root's default is a system folder. */
export function defaultHome(): string {
  if (process.env.CNPG_HOME) return resolve(process.env.CNPG_HOME);
  if (isRoot()) return '/var/lib/cnpg-ts';
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'cnpg-ts');
}

export class HomeError extends Error {}

function otherCanTraverse(path: string, user: OsUser): boolean {
  const st = statSync(path);
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === user.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

export function openHome(root = defaultHome()): CnpgHome {
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    accessSync(root, constants.W_OK);
  } catch (e) {
    throw new HomeError(`CNPG_HOME ${root} is not writable (${(e as Error).message}); set CNPG_HOME to a folder you can write`);
  }
  let runAs: OsUser | undefined;
  if (isRoot()) {
    runAs = lookupUser('postgres');
    if (!runAs) throw new HomeError('running as root needs an operating-system user "postgres" to run PostgreSQL (install the postgresql package)');
    // The folder itself is ours to adjust; its parents are not.
    if (!otherCanTraverse(root, runAs)) chmodSync(root, statSync(root).mode | 0o011);
    for (let dir = dirname(root); ; dir = dirname(dir)) {
      if (!otherCanTraverse(dir, runAs)) {
        throw new HomeError(`CNPG_HOME ${root} is inside ${dir}, which user postgres cannot enter; choose another CNPG_HOME (for example /var/lib/cnpg-ts)`);
      }
      if (dir === dirname(dir)) break;
    }
  }
  const home: CnpgHome = {
    root,
    store: join(root, 'store'),
    instances: join(root, 'instances'),
    daemonState: join(root, 'operator.json'),
    daemonLog: join(root, 'operator.log'),
    operatorEndpoint: join(root, 'operator-endpoint.json'),
    runAs,
    osUser: runAs?.name ?? userInfo().username,
  };
  mkdirSync(home.store, { recursive: true, mode: 0o700 });
  mkdirSync(home.instances, { recursive: true, mode: 0o711 });
  return home;
}

/** Creates a folder owned by the instances' user, so PostgreSQL can write in it. */
export function makeOwnedDir(home: CnpgHome, path: string, mode = 0o700): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
  if (home.runAs) chownSync(path, home.runAs.uid, home.runAs.gid);
}

export function chownToRunAs(home: CnpgHome, path: string): void {
  if (home.runAs) chownSync(path, home.runAs.uid, home.runAs.gid);
}
