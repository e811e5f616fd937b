// A real single-node Kubernetes for end-to-end tests: etcd, kube-apiserver, controller-manager,
// scheduler, a kubelet running Pods on containerd + runc, kube-proxy and CoreDNS, all inside a network
// namespace of their own (scripts/real-node/node.sh). The project's images are already in containerd.
// Nothing is built here: scripts/real-node/build.sh builds the binaries and images (CI runs it from
// scripts/setup.sh --test-tools). One node at a time on the machine: startRealNode waits while another
// runs; a node whose test process died is removed by the next start.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RealNode {
  /** The network namespace everything lives in (created by startRealNode). */
  readonly netns: string;
  /** Admin kubeconfig; its server address is only reachable inside the netns. */
  readonly kubeconfig: string;
  readonly nodeIp: string;
  /** Already imported in containerd. */
  readonly images: { operator: string; operand: string; busybox: string };
  /** The node's folder (logs/ has every component's log); removed by stop(). */
  readonly stateDir: string;
  /** Runs a command inside the netns with KUBECONFIG set (kubectl, helm, the built `cnpg`/kubectl-cnpg, psql, curl). */
  run(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** kubectl against the node; throws with stderr on non-zero. */
  kubectl(args: string[], input?: string, timeoutMs?: number): Promise<string>;
  /** Static hostPath PersistentVolumes (storageClassName ""), n more, recycled when Released. */
  addVolumes(n: number, sizeGi?: number): Promise<void>;
  /** Everything down: pods, processes, mounts, netns, cgroups. */
  stop(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NODE_SH = join(REPO, 'scripts', 'real-node', 'node.sh');
const BUILD_SH = join(REPO, 'scripts', 'real-node', 'build.sh');
const TOOLS_BIN = join(process.env['CNPG_TOOLS_CACHE'] ?? join(homedir(), '.cache', 'cnpg-ts'), 'bin');
// A node starts in ~15 s; waiting for another test file's node to stop can take much longer.
const UP_TIMEOUT_MS = 40 * 60_000;

/** Why this machine cannot run a real node (tests skip with it), or undefined when it can. */
export function realNodeUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'a real node needs Linux';
  if (process.getuid?.() !== 0) return 'a real node needs root (containerd, network namespaces, cgroups)';
  return undefined;
}

function script(args: string[], timeoutMs: number, echoProgress: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (echoProgress) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function parseEnv(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

// A node still up when the test process exits (a failed assertion before stop()) goes down with it.
const upNodes = new Set<string>();
process.on('exit', () => {
  for (const name of upNodes) spawnSync('bash', [NODE_SH, 'down', '--name', name], { stdio: 'ignore', timeout: 60_000 });
});

export async function startRealNode(opts: { name?: string } = {}): Promise<RealNode> {
  const unavailable = realNodeUnavailable();
  if (unavailable) throw new Error(unavailable);
  const built = await script([BUILD_SH, 'check'], 60_000, false);
  if (built.code !== 0) throw new Error(`the real node is not built: ${built.stderr.trim()}`);

  const name = opts.name ?? `e${process.pid}`;
  const up = await script([NODE_SH, 'up', '--name', name, '--owner-pid', String(process.pid)], UP_TIMEOUT_MS, true);
  if (up.code !== 0) throw new Error(`scripts/real-node/node.sh up failed (exit ${up.code}):\n${up.stderr.trim().split('\n').slice(-20).join('\n')}`);
  upNodes.add(name);
  const env = parseEnv(up.stdout);
  const get = (k: string): string => {
    const v = env.get(k);
    if (!v) throw new Error(`node.sh up printed no ${k}`);
    return v;
  };
  const netns = get('REAL_NODE_NETNS');
  const kubeconfig = get('KUBECONFIG');
  const kubeBin = get('KUBE_BIN');
  const stateDir = get('REAL_NODE_STATE');
  const path = [kubeBin, TOOLS_BIN, join(REPO, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(':');

  const run: RealNode['run'] = (cmd, args, o = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args], {
        cwd: REPO,
        env: { ...process.env, KUBECONFIG: kubeconfig, PATH: path, ...o.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}(killed by ${signal}: timeout ${o.timeoutMs ?? 120_000} ms)` : stderr });
      });
      child.stdin.on('error', () => {}); // a command that does not read its input
      child.stdin.end(o.input ?? '');
    });

  return {
    netns,
    kubeconfig,
    nodeIp: get('REAL_NODE_IP'),
    images: { operator: get('OPERATOR_IMAGE'), operand: get('OPERAND_IMAGE'), busybox: get('BUSYBOX_IMAGE') },
    stateDir,
    run,
    async kubectl(args, input, timeoutMs) {
      const r = await run(join(kubeBin, 'kubectl'), args, { ...(input !== undefined ? { input } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} (exit ${r.code}): ${r.stderr.trim()}`);
      return r.stdout;
    },
    async addVolumes(n, sizeGi = 10) {
      const r = await script([NODE_SH, 'volumes', String(n), String(sizeGi)], 120_000, false);
      if (r.code !== 0) throw new Error(`node.sh volumes failed: ${r.stderr.trim()}`);
    },
    async stop() {
      if (!upNodes.has(name)) return;
      const r = await script([NODE_SH, 'down', '--name', name], 5 * 60_000, false);
      upNodes.delete(name);
      if (r.code !== 0) throw new Error(`node.sh down failed: ${r.stderr.trim()}`);
      if (existsSync(stateDir)) throw new Error(`node.sh down left ${stateDir}`);
    },
  };
}
