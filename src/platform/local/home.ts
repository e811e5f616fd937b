// Where local state lives, and making sure the clusters' operating-system users can reach it.
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export interface PasswdEntry extends OsUser {
  home: string;
}

export interface CnpgHome {
  root: string;
  store: string;
  instances: string;
  daemonState: string;
  daemonLog: string;
  /** World-readable: only the port, so instance managers can check the operator is alive. */
  operatorEndpoint: string;
  /** Root gives each cluster an operating-system user of its own (cluster-users.ts). */
  asRoot: boolean;
}

function passwd(match: (fields: string[]) => boolean): PasswdEntry | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && match(f)) return { name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string };
  }
  return undefined;
}

export const lookupUser = (name: string): PasswdEntry | undefined => passwd((f) => f[0] === name);
export const userById = (uid: number): PasswdEntry | undefined => passwd((f) => Number(f[2]) === uid);

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Root runs PostgreSQL as unprivileged users, which cannot enter /root, so root's default is a system folder. */
export function defaultHome(): string {
  if (process.env.CNPG_HOME) return resolve(process.env.CNPG_HOME);
  if (isRoot()) return '/var/lib/cnpg-ts';
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'cnpg-ts');
}

export class HomeError extends Error {}

/** The clusters' users are in no group of ours: they enter a folder through its "others" bit. */
const othersCanTraverse = (path: string): boolean => (statSync(path).mode & 0o001) !== 0;

export function openHome(root = defaultHome()): CnpgHome {
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    accessSync(root, constants.W_OK);
  } catch (e) {
    throw new HomeError(`CNPG_HOME ${root} is not writable (${(e as Error).message}); set CNPG_HOME to a folder you can write`);
  }
  const asRoot = isRoot();
  if (asRoot) {
    // The folder itself is ours to adjust; its parents are not.
    if (!othersCanTraverse(root)) chmodSync(root, statSync(root).mode | 0o011);
    for (let dir = dirname(root); ; dir = dirname(dir)) {
      if (!othersCanTraverse(dir)) {
        throw new HomeError(`CNPG_HOME ${root} is inside ${dir}, which the clusters' unprivileged users cannot enter; choose another CNPG_HOME (for example /var/lib/cnpg-ts)`);
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
    asRoot,
  };
  mkdirSync(home.store, { recursive: true, mode: 0o700 });
  mkdirSync(home.instances, { recursive: true, mode: 0o711 });
  return home;
}
