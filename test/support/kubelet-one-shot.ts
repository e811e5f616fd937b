// The stand-in kubelet's runner for one-shot Pods (restartPolicy Never, labelled cnpg.io/jobRole):
// each Pod's verb runs once as a local process, as a launcher for its role prepares it (the Pod's
// volumes as this machine's folders, its image as this machine's binaries), and the Pod is
// reported Running, then Succeeded or Failed with the container's termination message, as a
// kubelet does. A Pod deleted meanwhile has its process group killed and its folder removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';

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

/** How to run a Pod's verb here: the process's arguments (after node), folder and environment, or why it cannot run. */
export type Launch = { args: string[]; cwd: string; env?: NodeJS.ProcessEnv } | { error: string };

/** `outcomeFile`: where the container's termination message is to be written (CNPG_OUTCOME_FILE). */
export type Launcher = (pod: V1Pod, host: OneShotHost, outcomeFile: string) => Promise<Launch>;

export class OneShotPods {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly host: OneShotHost,
    private readonly selector: string,
    private readonly launcher: Launcher,
  ) {}

  async sync(): Promise<void> {
    const pods = (await this.host.core.listPodForAllNamespaces({ labelSelector: this.selector })).items;
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
        run = await this.launch(pod);
        this.runs.set(uid, run);
      }
      await this.report(pod, run);
    }
    for (const uid of [...this.runs.keys()]) if (!seen.has(uid)) this.kill(uid);
  }

  private async launch(pod: V1Pod): Promise<Run> {
    const run: Run = { startedAt: new Date() };
    const dir = this.host.ownedDir(this.host.podDir(pod.metadata!.uid!));
    const outcomeFile = join(dir, 'termination-log');
    const how = await this.launcher(pod, this.host, outcomeFile);
    if ('error' in how) {
      run.exit = { code: 1, message: `stand-in kubelet: ${how.error}` };
      return run;
    }
    const child = spawn(process.execPath, how.args, {
      cwd: how.cwd,
      env: { PATH: process.env.PATH, HOME: '/tmp', LANG: 'C.UTF-8', ...how.env, CNPG_OUTCOME_FILE: outcomeFile },
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
