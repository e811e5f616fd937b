// The Patroni reference comes from Debian's packages. They are installed on demand by the bench
// (never by a test), and only as root, because apt-get needs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PATRONI = '/usr/bin/patroni';
export const PATRONICTL = '/usr/bin/patronictl';
export const ETCD = '/usr/bin/etcd';

/** Installs `patroni` and `etcd-server` if either program is missing; says so on stdout. */
export function ensurePatroniInstalled(log: (line: string) => void): void {
  const missing = [
    ...(existsSync(PATRONI) && existsSync(PATRONICTL) ? [] : ['patroni']),
    ...(existsSync(ETCD) ? [] : ['etcd-server']),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the Patroni reference needs the Debian packages ${missing.join(' ')}: run  sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing the Debian packages ${missing.join(' ')} for the Patroni reference (apt-get install -y ${missing.join(' ')})`);
  // Package lists may be missing on a fresh machine; an update failure is left to the install to report.
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', timeout: 300_000 });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !existsSync(PATRONI) || !existsSync(ETCD)) throw new Error(`apt-get install -y ${missing.join(' ')} failed (exit ${r.status})`);
}
