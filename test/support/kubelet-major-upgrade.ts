// The stand-in kubelet's runner for the one-shot major-upgrade Pods (labelled cnpg.io/jobRole=
// major-upgrade by src/platform/kubernetes/major-upgrade-pod.ts): it runs the Pod's verb
// (dist/src/instance/major-upgrade-main.js) once as a local process on the instance's PVC folder,
// with this machine's binaries for the init container's old image and the main container's new one
// (kubelet-binaries.ts), and reports the Pod Running, then Succeeded or Failed with the container's
// termination message, as a kubelet does for restartPolicy Never.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { hostBinDirOf } from './kubelet-binaries.js';

const UPGRADE_MAIN = fileURLToPath(new URL('../../src/instance/major-upgrade-main.js', import.meta.url));
export const MAJOR_UPGRADE_SELECTOR = 'cnpg.io/jobRole=major-upgrade';
/** What the real kubelet keeps of a termination message. */
const MESSAGE_LIMIT = 4096;

interface Run {
  child?: ChildProcess;
  exit?: { code: number; message: string };
  startedAt: Date;
  reported?: string;
}

export interface OneShotHost {
  core: CoreV1Api;
  nodeName: string;
  bind(pod: V1Pod): Promise<V1Pod>;
  /** The folder of a PVC. */
  pvcDir(namespace: string, claim: string): string;
  podDir(uid: string): string;
  /** Makes the folder (and those on its way) the postgres user's. */
  ownedDir(path: string): string;
  ids?: { uid: number; gid: number };
  log(name: string, text: string): void;
}

export class MajorUpgradePods {
  private readonly runs = new Map<string, Run>();

  constructor(private readonly host: OneShotHost) {}

  async sync(): Promise<void> {
    const pods = (await this.host.core.listPodForAllNamespaces({ labelSelector: MAJOR_UPGRADE_SELECTOR })).items;
    const seen = new Set<string>();
    for (let pod of pods) {
      if (pod.spec?.nodeName && pod.spec.nodeName !== this.host.nodeName) continue;
      if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) pod = await this.host.bind(pod);
      const uid = pod.metadata!.uid!;
      seen.add(uid);
      if (pod.metadata?.deletionTimestamp) {
        this.kill(uid);
        await this.host.core.deleteNamespacedPod({ name: pod.metadata.name!, namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      let run = this.runs.get(uid);
      if (!run) {
        run = this.launch(pod);
        this.runs.set(uid, run);
      }
      await this.report(pod, run);
    }
    for (const uid of [...this.runs.keys()]) if (!seen.has(uid)) this.kill(uid);
  }

  private launch(pod: V1Pod): Run {
    const run: Run = { startedAt: new Date() };
    const uid = pod.metadata!.uid!;
    const main = pod.spec!.containers[0]!;
    const oldImage = pod.spec!.initContainers?.find((c) => c.name === 'prepare')?.image ?? '';
    const claim = pod.spec!.volumes?.find((v) => v.name === 'pgdata')?.persistentVolumeClaim?.claimName ?? '';
    const port = main.command?.at(-1) ?? '5432';
    const [oldBin, newBin] = [hostBinDirOf(oldImage), hostBinDirOf(main.image ?? '')];
    if (!oldBin || !newBin || !claim) {
      run.exit = { code: 1, message: `stand-in kubelet: no binaries here for ${!oldBin ? oldImage : main.image} (or no pgdata claim)` };
      return run;
    }
    const root = this.host.ownedDir(this.host.pvcDir(pod.metadata!.namespace!, claim));
    const dir = this.host.ownedDir(this.host.podDir(uid));
    const outcomeFile = join(dir, 'termination-log');
    const child = spawn(process.execPath, [UPGRADE_MAIN, root, oldBin, newBin, port], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: '/tmp', LANG: 'C.UTF-8', CNPG_OUTCOME_FILE: outcomeFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(this.host.ids ?? {}),
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-MESSAGE_LIMIT);
      this.host.log(pod.metadata!.name!, d.toString());
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      run.child = undefined;
      // The file the container wrote; its logs' tail on an error without one (FallbackToLogsOnError).
      const written = existsSync(outcomeFile) ? readFileSync(outcomeFile, 'utf8') : '';
      run.exit = { code: code ?? (signal ? 128 : 1), message: (written || (code !== 0 ? output : '')).slice(-MESSAGE_LIMIT) };
    });
    run.child = child;
    return run;
  }

  private async report(pod: V1Pod, run: Run): Promise<void> {
    const phase = run.exit ? (run.exit.code === 0 ? 'Succeeded' : 'Failed') : 'Running';
    if (run.reported === phase && pod.status?.phase === phase) return;
    const state = run.exit
      ? { terminated: { exitCode: run.exit.code, reason: run.exit.code === 0 ? 'Completed' : 'Error', message: run.exit.message, startedAt: run.startedAt, finishedAt: new Date() } }
      : { running: { startedAt: run.startedAt } };
    const main = pod.spec!.containers[0]!;
    const body: V1Pod = {
      ...pod,
      status: { phase, hostIP: '127.0.0.1', containerStatuses: [{ name: main.name, image: main.image!, imageID: '', ready: false, restartCount: 0, started: !run.exit, state }] },
    };
    await this.host.core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body }).then(
      () => (run.reported = phase),
      () => undefined,
    );
  }

  private kill(uid: string): void {
    const run = this.runs.get(uid);
    this.runs.delete(uid);
    if (run?.child?.pid) {
      try {
        process.kill(-run.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(this.host.podDir(uid), { recursive: true, force: true });
  }

  stop(): void {
    for (const uid of [...this.runs.keys()]) this.kill(uid);
  }
}
