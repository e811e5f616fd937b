// Freezing a stand-in kubelet's Pod as a hung machine would be: every process of it stopped
// (SIGSTOP), not killed, so nothing restarts it and nobody hears from it until it is thawed.
import { readdirSync, readFileSync } from 'node:fs';
import type { KubeletStandIn } from './kubelet.js';

function parents(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while listed
    }
  }
  return parent;
}

/**
 * Every process of the Pod, parents first. PostgreSQL's children leave the manager's process group
 * (each calls setsid), so a signal to the group would leave the WAL receiver streaming.
 */
function podProcesses(kubelet: KubeletStandIn, name: string): number[] {
  const root = kubelet.pid(name);
  if (!root) throw new Error(`pod ${name} has no running manager`);
  const parent = parents();
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parent) if (ppid === found[i]) found.push(pid);
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited since it was listed
  }
}

/**
 * What each freeze stopped, thawed by pid: by the time a test thaws, the Pod may have been replaced
 * (a failover), and its old PostgreSQL children, left stopped, would outlive the test.
 */
const stoppedByPod = new Map<string, Set<number>>();

/** Lists again until nothing new shows: a process forked before its parent stopped is caught next round. */
export function freezePod(kubelet: KubeletStandIn, name: string): void {
  const stopped = stoppedByPod.get(name) ?? new Set<number>();
  stoppedByPod.set(name, stopped);
  for (;;) {
    const next = podProcesses(kubelet, name).filter((pid) => !stopped.has(pid));
    if (next.length === 0) return;
    for (const pid of next) {
      signal(pid, 'SIGSTOP');
      stopped.add(pid);
    }
  }
}

export function thawPod(kubelet: KubeletStandIn, name: string): void {
  for (const pid of stoppedByPod.get(name) ?? []) signal(pid, 'SIGCONT');
  stoppedByPod.delete(name);
  if (kubelet.pid(name)) for (const pid of podProcesses(kubelet, name)) signal(pid, 'SIGCONT');
}
