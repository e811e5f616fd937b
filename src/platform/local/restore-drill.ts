// Runs restore drills (instance/restore-drill-main.ts) as the cluster's operating-system user, in a
// folder of its own under the cluster's, on a free port; the folder, the socket folder and any
// server left running are removed here too, whatever the drill process did.
import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../../api/index.js';
import { instancePaths } from '../../instance/paths.js';
import { isAlive, readPostmasterPid } from '../../instance/postmaster.js';
import type { DrillOutcome, DrillRequest } from '../../instance/restore-drill.js';
import { endedDrillOutcome } from '../../operator/drill-outcome.js';
import type { DrillOrder, DrillRuntime } from '../../operator/platform.js';
import { resolveInstallation } from '../../postgres/binaries.js';
import type { CnpgHome, OsUser } from './home.js';
import { makeOwnedDir } from './owned-files.js';
import { freePort } from './ports.js';
import { setTimeout as sleep } from 'node:timers/promises';

const DRILL_MAIN = fileURLToPath(new URL('../../instance/restore-drill-main.js', import.meta.url));

export interface DrillPlace {
  clusterDir(namespace: string, cluster: string): string;
  /** The user the cluster's processes run as; undefined when that is us. */
  ownerOf(cluster: Cluster): OsUser | undefined;
}

/** Drills in the clusters' folders, as their users when the control plane runs as root. */
export function localDrills(home: CnpgHome, instances: { clusterDir(namespace: string, cluster: string): string; osUserOf(namespace: string, cluster: string): OsUser | undefined }): LocalDrills {
  return new LocalDrills({
    clusterDir: (namespace, cluster) => instances.clusterDir(namespace, cluster),
    ownerOf: (cluster) => (home.asRoot ? instances.osUserOf(cluster.metadata.namespace ?? 'default', cluster.metadata.name) : undefined),
  });
}

export class LocalDrills implements DrillRuntime {
  constructor(private readonly place: DrillPlace) {}

  async run(cluster: Cluster, order: DrillOrder): Promise<DrillOutcome> {
    const user = this.place.ownerOf(cluster);
    const binDir = resolveInstallation(order.major).binDir;
    const port = await freePort();
    const drills = join(this.place.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name), 'drills');
    makeOwnedDir(drills, 0o700, user);
    const workDir = mkdtempSync(join(drills, `${order.backupName.slice(0, 40)}-`));
    const socketDir = mkdtempSync(join(tmpdir(), 'cnpg-drill-'));
    for (const dir of [workDir, socketDir]) if (user) chownSync(dir, user.uid, user.gid);
    const request: DrillRequest = {
      workDir,
      socketDir,
      binDir,
      port,
      source: order.source,
      secrets: order.secrets,
      backupId: order.backupId,
      defaultDatabase: order.defaultDatabase,
      counts: order.counts,
    };
    try {
      return await spawnDrill(request, user, order.timeoutMs);
    } finally {
      await stopLeftServer(request);
      rmSync(workDir, { recursive: true, force: true });
      rmSync(socketDir, { recursive: true, force: true });
    }
  }
}

function spawnDrill(request: DrillRequest, user: OsUser | undefined, timeoutMs: number): Promise<DrillOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DRILL_MAIN], {
      cwd: request.workDir,
      stdio: ['pipe', 'pipe', 'pipe'],
      uid: user?.uid,
      gid: user?.gid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: request.workDir, TZ: process.env.TZ ?? 'UTC' },
    });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('error', (e) => resolve(endedDrillOutcome(request.backupId, { reason: e.message })));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(endedDrillOutcome(request.backupId, { said: out, reason: err, exitCode: code ?? undefined, ...(timedOut ? { timedOutAfterMs: timeoutMs } : {}) }));
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** A drill process killed before its own cleanup leaves its server running: stopped here. */
async function stopLeftServer(request: DrillRequest): Promise<void> {
  const pid = readPostmasterPid(instancePaths(request.workDir, request.port).pgdata);
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, 'SIGQUIT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
}
