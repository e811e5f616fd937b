// Runs the major-upgrade verb (instance/major-upgrade-main.ts) on a stopped local instance, as the
// cluster's operating-system user, and reads the outcome it prints.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MajorUpgradeOutcome } from '../../instance/major-upgrade.js';
import type { OsUser } from './home.js';

const UPGRADE_MAIN = fileURLToPath(new URL('../../instance/major-upgrade-main.js', import.meta.url));

export interface LocalUpgradeRequest {
  dir: string;
  oldBinDir: string;
  newBinDir: string;
  port: number;
  user: OsUser | undefined;
}

/** The verb's exit code when another run on the same folder still works (major-upgrade-main.ts). */
const BUSY_EXIT_CODE = 3;

/**
 * Resolves to the verb's outcome; a verb that could not say one is a `prepare` failure with its last
 * words. Rejects while another run on the folder (one a restarted control plane lost) still works.
 */
export function runMajorUpgrade(req: LocalUpgradeRequest): Promise<MajorUpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [UPGRADE_MAIN, req.dir, req.oldBinDir, req.newBinDir, String(req.port)], {
      cwd: req.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: req.user?.uid,
      gid: req.user?.gid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: req.dir, TZ: process.env.TZ ?? 'UTC' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const failed = (why: string): MajorUpgradeOutcome => ({ ok: false, stage: 'prepare', reason: why.trim().split('\n').slice(-3).join(' | ').slice(0, 1000) });
    child.on('error', (e) => resolve(failed(e.message)));
    child.on('close', (code) => {
      if (code === BUSY_EXIT_CODE) return reject(new Error(`a major upgrade of ${req.dir} started before is still running; waiting for it`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code === 0) return resolve(JSON.parse(last) as MajorUpgradeOutcome);
      } catch {
        /* not an outcome: reported below */
      }
      resolve(failed(err || out || `the major upgrade exited with ${code}`));
    });
  });
}
