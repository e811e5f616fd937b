// A real Kubernetes control plane for integration tests, run like controller-runtime's envtest: etcd
// and kube-apiserver on loopback ports, no kubelet, scheduler or controller-manager (Pods are objects
// only; there is no garbage collection and deleted namespaces stay Terminating). The binaries (and a
// real kubectl) are built from Go modules by scripts/build-kube-testenv.sh into a cache outside the
// repo; the first build takes a long time, later runs start in seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtPath } from './build-script.js';
import { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** Bearer token of user `admin` (group system:masters). */
  token: string;
  /** The API server's self-signed serving certificate (with its CA), to verify TLS against. */
  caFile: string;
  /** A kubeconfig for `admin`, for the real kubectl and for anything that reads KUBECONFIG. */
  kubeconfigPath: string;
  /** Everything of this control plane lives here (etcd data, certificates, logs); stop() removes it. */
  dataDir: string;
  /** Where kube-apiserver, etcd and kubectl were built. */
  binDir: string;
  /** The real kubectl, built from the same Kubernetes version as the server. */
  kubectl: string;
  kubeConfig(): KubeConfig;
  /** Kills kube-apiserver at once, as a crash or a cut network would; etcd and its data stay. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same address, certificate and tokens; resolves when it is ready. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 60 * 60_000;

function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'build-kube-testenv.sh'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('controlplane: scripts/build-kube-testenv.sh not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Builds kube-apiserver, etcd and kubectl when they are not in the cache yet; returns their folder. */
export function buildKubeTestenv(): Promise<string> {
  return builtPath(join(findRepo(), 'scripts', 'build-kube-testenv.sh'), [], BUILD_TIMEOUT_MS);
}

async function freePorts(n: number): Promise<number[]> {
  // All listeners stay open until every port is known, so the ports are distinct.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

// Processes and folders still alive when node exits (a test that forgot stop(), a failed assertion
// before it) are killed and removed here, so nothing outlives the test process.
const live = new Set<{ children: ChildProcess[]; dataDir: string }>();
let exitHook = false;
function registerExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const cp of live) {
      for (const c of cp.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      try {
        rmSync(cp.dataDir, { recursive: true, force: true });
      } catch {
        // a process may still hold a file; nothing more can be done while exiting
      }
    }
  });
}

function startProcess(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    // Output goes straight to a file (no pipes), so the children do not keep node alive once unref'd.
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    child.on('error', () => {}); // a spawn failure shows as an exit in waitReady
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

async function terminate(c: ChildProcess, graceMs = 10_000): Promise<void> {
  if (exited(c)) return;
  const done = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  if ((await Promise.race([done, late])) === 'late' && !exited(c)) {
    c.kill('SIGKILL');
    await done;
  }
  clearTimeout(timer);
}

function getStatus(url: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    let req: ClientRequest;
    try {
      req = request(url, { ca, rejectUnauthorized: ca !== undefined, timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    } catch {
      resolve(0); // a certificate file caught half-written
      return;
    }
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export interface ControlPlaneOptions {
  /** Where Service ClusterIPs come from; the default /24 holds 254 Services (a bench needs more). */
  serviceClusterIpRange?: string;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = await buildKubeTestenv();
  const dataDir = mkdtempSync(join(tmpdir(), 'cnpg-kube-'));
  const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const server = `https://127.0.0.1:${apiPort}`;
  const token = randomBytes(24).toString('hex');
  const pki = join(dataDir, 'pki');
  mkdirSync(pki);
  const caFile = join(pki, 'apiserver.crt'); // written by kube-apiserver (self-signed, --cert-dir)
  writeFileSync(join(dataDir, 'tokens.csv'), `${token},admin,admin-uid,system:masters\n`, { mode: 0o600 });
  const sa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(dataDir, 'sa.pub'), sa.publicKey);
  writeFileSync(join(dataDir, 'sa.key'), sa.privateKey, { mode: 0o600 });

  const entry = { children: [] as ChildProcess[], dataDir };
  live.add(entry);
  registerExitHook();
  const stopAll = async (): Promise<void> => {
    // The API server first, so it does not log a storm of etcd errors on the way down.
    for (const c of [...entry.children].reverse()) await terminate(c);
    live.delete(entry);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const etcdLog = join(dataDir, 'etcd.log');
  const apiLog = join(dataDir, 'kube-apiserver.log');
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  let etcd: ChildProcess | undefined;
  let apiServer: ChildProcess | undefined;
  const spawnApiServer = (): void => {
    apiServer = startProcess(
      join(binDir, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${pki}`,
        `--token-auth-file=${join(dataDir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${join(dataDir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dataDir, 'sa.key')}`,
        `--service-cluster-ip-range=${options.serviceClusterIpRange ?? '10.0.0.0/24'}`,
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
      ],
      apiLog,
    );
    entry.children.push(apiServer);
  };
  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 0;
    for (;;) {
      for (const [name, child, log] of [['etcd', etcd, etcdLog], ['kube-apiserver', apiServer, apiLog]] as const) {
        if (child && exited(child)) throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode})\n${tail(log)}`);
      }
      const ca = existsSync(caFile) ? readFileSync(caFile) : undefined;
      if (ca) {
        last = await getStatus(`${server}/readyz`, ca);
        if (last === 200) return;
      }
      if (Date.now() > deadline) {
        throw new Error(`kube-apiserver not ready after ${READY_TIMEOUT_MS / 1000} s (last /readyz: ${last})\n${tail(apiLog)}\n--- etcd ---\n${tail(etcdLog, 10)}`);
      }
      await sleep(250);
    }
  };
  try {
    etcd = startProcess(
      join(binDir, 'etcd'),
      [
        `--data-dir=${join(dataDir, 'etcd')}`,
        '--name=default',
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      etcdLog,
    );
    entry.children.push(etcd);
    spawnApiServer();
    await waitReady();
  } catch (err) {
    await stopAll();
    throw err;
  }

  const kubeconfigPath = join(dataDir, 'kubeconfig');
  // JSON is YAML; kubectl, client libraries and KUBECONFIG all read it.
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
    'current-context': 'test',
  };
  writeFileSync(kubeconfigPath, JSON.stringify(kubeconfig, null, 2) + '\n', { mode: 0o600 });

  let stopped: Promise<void> | undefined;
  return {
    server,
    token,
    caFile,
    kubeconfigPath,
    dataDir,
    binDir,
    kubectl: join(binDir, 'kubectl'),
    kubeConfig(): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'test', server, caFile, skipTLSVerify: false }],
        users: [{ name: 'admin', token }],
        contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
        currentContext: 'test',
      });
      return kc;
    },
    async stopApiServer(): Promise<void> {
      const child = apiServer;
      if (!child || exited(child)) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    },
    async startApiServer(): Promise<void> {
      if (apiServer && !exited(apiServer)) return;
      spawnApiServer();
      await waitReady();
    },
    stop(): Promise<void> {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
