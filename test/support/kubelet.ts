// A test-only stand-in for the kubelet: it runs each instance Pod's instance manager as a local
// process with the Pod's environment, its own address (so every Pod can use the standard ports),
// its PVCs as folders that outlive the process (the data volume through CNPG_INSTANCE_ROOT, the
// others mounted where the Pod spec says: kubelet-mounts.ts), and its spec Secret written out as files; it
// reports the Pod's phase, IP and readiness back to the API server. It registers a Node and binds
// the Pods to it (there is no scheduler), and serves the Node's exec endpoint so that the real
// `kubectl exec` reaches a Pod's "container": a command run with the Pod's environment and user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { userInfo } from 'node:os';
import { randomBytes, randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig, type V1PersistentVolumeClaim, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecServer, type ExecTarget } from './kubelet-exec.js';
import { writeFileAtomicallySync } from '../../src/objectstore/atomic-file.js';
import { instancePodPath } from './kubelet-binaries.js';
import { launchMajorUpgrade, MAJOR_UPGRADE_SELECTOR } from './kubelet-major-upgrade.js';
import { claimMounts, inPodMounts } from './kubelet-mounts.js';
import { OneShotPods, type OneShotHost } from './kubelet-one-shot.js';
import { launchRestoreDrill, RESTORE_DRILL_SELECTOR } from './kubelet-restore-drill.js';

/** The readiness probe's failureThreshold in CloudNativePG's instance Pods. */
const READINESS_FAILURE_THRESHOLD = 3;

const MANAGER_MAIN = fileURLToPath(new URL('../../src/instance/main.js', import.meta.url));

interface Running {
  pod: V1Pod;
  ip: string;
  child?: ChildProcess;
  /** The container's environment, as its manager got it; `kubectl exec` commands get it too. */
  env?: NodeJS.ProcessEnv;
  restarts: number;
  exitedAt?: number;
  startedAt?: Date;
  /** Readiness probes failed in a row (see ready()). */
  readinessFailures?: number;
  /** Where the Pod's service-account files are, once written (writeServiceAccount). */
  serviceAccountRoot?: string;
}

/**
 * Pod addresses. The API server proxies only to global unicast Pod IPs (`kubectl cnpg status`
 * reaches instance managers through it), so as root each Pod gets a 10.251.X.N/32 on the loopback
 * interface; without root, 127.0.0.N still serves everything but that proxy.
 */
class PodAddresses {
  private next = 2;
  private readonly added: string[] = [];
  private readonly prefix: string;

  constructor(private readonly global: boolean) {
    const taken = spawnSync('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo']).stdout?.toString() ?? '';
    let octet = randomInt(1, 255);
    while (taken.includes(`10.251.${octet}.`)) octet = randomInt(1, 255);
    this.prefix = global ? `10.251.${octet}` : '127.0.0';
  }

  allocate(): string {
    const ip = `${this.prefix}.${this.next++}`;
    if (this.global) {
      const r = spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);
      if (r.status !== 0) throw new Error(`ip addr add ${ip}: ${r.stderr.toString().trim()}`);
      this.added.push(ip);
    }
    return ip;
  }

  release(): void {
    for (const ip of this.added.splice(0)) spawnSync('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']);
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres']).stdout.toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class KubeletStandIn {
  private readonly core: CoreV1Api;
  private readonly running = new Map<string, Running>();
  private readonly addresses = new PodAddresses(userInfo().uid === 0);
  private timer?: NodeJS.Timeout;
  private busy = false;
  private readonly ids = postgresIds();
  readonly logs = new Map<string, string>();
  private readonly socketDirs = new Set<string>();
  /** Pods evicted (by uid): their container stopped for good, as a kubelet under node pressure does. */
  private readonly evicted = new Set<string>();
  lastError?: string;
  /** The Node this stand-in registers and binds its Pods to. */
  readonly nodeName = `standin-${randomBytes(4).toString('hex')}`;
  private registered = false;
  private readonly exec = new ExecServer((namespace, name) => this.execTarget(namespace, name));
  private execPort?: Promise<number>;
  /** The one-shot Pods (major upgrades, restore drills), run apart from the instance Pods. */
  private readonly oneShots: OneShotPods[];
  /**
   * What fills a new claim that names a dataSource, before the first Pod on it starts (a CSI
   * provisioner's part); `dir` does not exist yet. Without it such a claim starts empty.
   */
  provisioner?: (claim: V1PersistentVolumeClaim, dir: string) => Promise<void>;

  constructor(
    private readonly kc: KubeConfig,
    private readonly dir: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    mkdirSync(dir, { recursive: true });
    if (this.ids) chownSync(dir, this.ids.uid, this.ids.gid);
    const host: OneShotHost = {
      core: this.core,
      nodeName: this.nodeName,
      bind: (pod) => this.bind(pod),
      pvcDir: (namespace, claim) => join(this.dir, 'pvc', namespace, claim),
      podDir: (uid) => join(this.dir, 'pods', uid),
      ownedDir: (path) => this.ownedDir(path),
      ...(this.ids ? { ids: this.ids } : {}),
      log: (name, text) => this.logs.set(name, ((this.logs.get(name) ?? '') + text).slice(-30_000)),
    };
    this.oneShots = [new OneShotPods(host, MAJOR_UPGRADE_SELECTOR, launchMajorUpgrade), new OneShotPods(host, RESTORE_DRILL_SELECTOR, launchRestoreDrill)];
  }

  start(): void {
    this.execPort = this.exec.listen();
    // Surfaces through sync(), whose registration waits for the port.
    this.execPort.catch(() => undefined);
    this.timer = setInterval(() => void this.sync(), 300);
  }

  /** The Pod's manager, as `kill` on a node would reach it. */
  pid(name: string): number | undefined {
    return [...this.running.values()].find((r) => r.pod.metadata?.name === name)?.child?.pid;
  }

  ipOf(name: string): string | undefined {
    return [...this.running.values()].find((r) => r.pod.metadata?.name === name)?.ip;
  }

  /** Every folder on the way is the postgres user's too, or it could not reach the last one. */
  private ownedDir(path: string): string {
    const first = mkdirSync(path, { recursive: true, mode: 0o700 });
    if (this.ids && first) {
      for (let d = path; d.length >= first.length; d = dirname(d)) chownSync(d, this.ids.uid, this.ids.gid);
    }
    return path;
  }

  private execTarget(namespace: string, name: string): ExecTarget | undefined {
    const r = [...this.running.values()].find((x) => x.pod.metadata?.namespace === namespace && x.pod.metadata?.name === name);
    if (!r?.child || !r.env) return undefined;
    return {
      // In the image the Pod's user is named postgres, which psql takes as its default role;
      // without root the commands run as whoever runs the tests.
      env: this.ids ? r.env : { ...r.env, PGUSER: 'postgres' },
      containers: r.pod.spec!.containers.map((c) => c.name),
      ...(this.ids ? { ids: this.ids } : {}),
    };
  }

  /**
   * The Node object, with what kube-apiserver reads to reach a kubelet: the address (InternalIP;
   * no Hostname, which it would prefer but cannot resolve), the port, and the declared
   * ExtendWebSocketsToKubelet that makes it pass kubectl's exec WebSocket through instead of
   * talking SPDY to us. Raw JSON, because the client library's model drops declaredFeatures.
   */
  private async register(): Promise<void> {
    const port = await this.execPort!;
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName } },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: port } },
        declaredFeatures: ['ExtendWebSocketsToKubelet'],
      },
    };
    const status = await this.post('/api/v1/nodes', node);
    // 409: an API server restarted on the same etcd still has it.
    if (status !== 201 && status !== 409) throw new Error(`registering Node ${this.nodeName}: HTTP ${status}`);
    this.registered = true;
  }

  private async post(path: string, body: unknown): Promise<number> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const opts: Parameters<typeof request>[1] = { method: 'POST', headers: { 'content-type': 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), opts, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  /** What the scheduler would do; only the pods/binding subresource may set spec.nodeName. */
  private async bind(pod: V1Pod): Promise<V1Pod> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    await this.core.createNamespacedPodBinding({ name, namespace, body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } } });
    return this.core.readNamespacedPod({ name, namespace });
  }

  private async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.registered) await this.register();
      const pods = (await this.core.listPodForAllNamespaces({ labelSelector: 'cnpg.io/podRole=instance' })).items;
      const seen = new Set<string>();
      for (let pod of pods) {
        if (pod.spec?.nodeName && pod.spec.nodeName !== this.nodeName) continue;
        if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) pod = await this.bind(pod);
        const uid = pod.metadata!.uid!;
        seen.add(uid);
        if (pod.metadata?.deletionTimestamp) {
          await this.stopPod(uid);
          await this.core.deleteNamespacedPod({ name: pod.metadata.name!, namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 }).catch(() => undefined);
          continue;
        }
        if (this.evicted.has(uid)) continue;
        let r = this.running.get(uid);
        if (!r) {
          r = { pod, ip: this.addresses.allocate(), restarts: 0 };
          this.running.set(uid, r);
        }
        r.pod = pod;
        await this.writeSpec(r);
        // A Pod whose token cannot be issued yet (its account not made yet) waits; the others go on.
        const accountReady = await this.writeServiceAccount(r).then(
          () => true,
          (e: Error) => ((this.lastError = `${pod.metadata?.name}: service account token: ${e.message}`), false),
        );
        if (accountReady && !r.child && (!r.exitedAt || Date.now() - r.exitedAt > 1000)) {
          await this.provision(pod);
          this.launch(r);
        }
        await this.report(r);
      }
      for (const uid of [...this.running.keys()]) if (!seen.has(uid)) await this.stopPod(uid);
      for (const oneShot of this.oneShots) await oneShot.sync();
    } catch (e) {
      // The API server may be restarting; the next tick tries again.
      this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  /** Every claim of the Pod (data, WAL, tablespaces) not made yet is filled from its dataSource, as a CSI provisioner fills each. */
  private async provision(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const claims = (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
    for (const name of claims.length > 0 ? claims : [pod.metadata!.name!]) {
      const dir = join(this.dir, 'pvc', namespace, name);
      if (!this.provisioner || existsSync(dir)) continue;
      const claim = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace });
      if (!claim.spec?.dataSource) continue;
      mkdirSync(dirname(dir), { recursive: true });
      await this.provisioner(claim, dir);
      if (this.ids) spawnSync('chown', ['-R', `${this.ids.uid}:${this.ids.gid}`, dir]);
    }
  }

  private podDir(r: Running): string {
    return join(this.dir, 'pods', r.pod.metadata!.uid!);
  }

  /**
   * The kubelet writes a Secret volume's keys as files and keeps them in sync; a reader never sees
   * one half written (the real one swaps a symlink to a new folder).
   */
  private async writeSpec(r: Running): Promise<void> {
    const volume = r.pod.spec?.volumes?.find((v) => v.name === 'spec')?.secret?.secretName;
    if (!volume) return;
    const secret = await this.core.readNamespacedSecret({ name: volume, namespace: r.pod.metadata!.namespace! }).catch(() => undefined);
    if (!secret?.data) return;
    const dir = this.ownedDir(join(this.podDir(r), 'spec'));
    for (const [k, v] of Object.entries(secret.data)) {
      const content = Buffer.from(v, 'base64');
      if (this.ids) writeFileAtomicallySync(join(dir, k), content, { durable: false, owner: { ...this.ids, mode: 0o600 } });
      else writeFileAtomicallySync(join(dir, k), content, { durable: false, mode: 0o600 });
    }
  }

  /**
   * A Pod that mounts its service account's token gets what the kubelet would project into it: a
   * token the API server issued for that account, its CA and the namespace, in a folder that stands
   * for the Pod's root (CNPG_SERVICE_ACCOUNT_ROOT), and the API server's address in its environment.
   */
  private async writeServiceAccount(r: Running): Promise<void> {
    const pod = r.pod;
    if (pod.spec?.automountServiceAccountToken !== true || r.serviceAccountRoot) return;
    const namespace = pod.metadata!.namespace!;
    const issued = await this.core.createNamespacedServiceAccountToken({ name: pod.spec.serviceAccountName ?? 'default', namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const root = join(this.podDir(r), 'sa-root');
    const dir = this.ownedDir(join(root, 'var/run/secrets/kubernetes.io/serviceaccount'));
    const cluster = this.kc.getCurrentCluster()!;
    const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString() : readFileSync(cluster.caFile!, 'utf8');
    const files: Record<string, string> = { token: issued.status!.token, 'ca.crt': ca, namespace };
    for (const [k, v] of Object.entries(files)) {
      if (this.ids) writeFileAtomicallySync(join(dir, k), v, { durable: false, owner: { ...this.ids, mode: 0o600 } });
      else writeFileAtomicallySync(join(dir, k), v, { durable: false, mode: 0o600 });
    }
    r.serviceAccountRoot = root;
  }

  private launch(r: Running): void {
    const pod = r.pod;
    const container = pod.spec!.containers[0]!;
    const claim = pod.spec?.volumes?.find((v) => v.name === 'pgdata')?.persistentVolumeClaim?.claimName ?? pod.metadata!.name!;
    const pvc = this.ownedDir(join(this.dir, 'pvc', pod.metadata!.namespace!, claim));
    const socketDir = this.ownedDir(join('/tmp', `cnpg-kubelet-${pod.metadata!.uid!.slice(0, 8)}`));
    this.socketDirs.add(socketDir);
    // An image of a major Debian does not have here runs the cached build of its tag.
    const env: NodeJS.ProcessEnv = { PATH: instancePodPath(container.image ?? '', process.env.PATH), HOME: '/tmp', LANG: 'C.UTF-8' };
    for (const e of container.env ?? []) {
      const field = e.valueFrom?.fieldRef?.fieldPath;
      env[e.name] = field === 'metadata.name' ? pod.metadata!.name : field === 'metadata.namespace' ? pod.metadata!.namespace : field === 'status.podIP' ? r.ip : e.value;
    }
    // Volume mount paths of the Pod, mapped to this machine's folders.
    Object.assign(env, { CNPG_INSTANCE_ROOT: pvc, CNPG_SPEC_DIR: join(this.podDir(r), 'spec'), CNPG_SOCKET_DIR: socketDir, PGHOST: socketDir });
    if (r.serviceAccountRoot) {
      const server = new URL(this.kc.getCurrentCluster()!.server);
      Object.assign(env, { CNPG_SERVICE_ACCOUNT_ROOT: r.serviceAccountRoot, KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port || '443' });
    }
    r.env = env;
    const argv = [process.execPath, '--max-old-space-size=64', MANAGER_MAIN, '--pod'];
    const binds = claimMounts(pod);
    // Other claims than the data volume need a mount namespace, which takes root (kubelet-mounts.ts).
    if (binds.length > 0 && !this.ids) throw new Error(`pod ${pod.metadata!.name!} mounts ${binds.map((b) => b.target).join(', ')}: the stand-in kubelet mounts them only as root`);
    const claimDir = (claim: string) => this.ownedDir(join(this.dir, 'pvc', pod.metadata!.namespace!, claim));
    const run = binds.length > 0 && this.ids ? inPodMounts(binds, claimDir, this.ids, argv) : { command: argv[0]!, args: argv.slice(1) };
    const child = spawn(run.command, run.args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(binds.length > 0 ? {} : (this.ids ?? {})),
    });
    const name = pod.metadata!.name!;
    const keep = (d: Buffer) => this.logs.set(name, ((this.logs.get(name) ?? '') + d.toString()).slice(-30_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => {
      r.child = undefined;
      r.exitedAt = Date.now();
      r.restarts++;
    });
    r.child = child;
    r.startedAt = new Date();
  }

  /**
   * As a kubelet's readiness probe: a Pod that was ready turns unready only after
   * READINESS_FAILURE_THRESHOLD failed probes in a row (CloudNativePG's probe allows 3), not on one
   * slow answer from a loaded machine; a container that is not running is unready at once.
   */
  private async ready(r: Running): Promise<boolean> {
    if (!r.child) {
      r.readinessFailures = 0;
      return false;
    }
    let ok = false;
    try {
      ok = (await fetch(`http://${r.ip}:8000/readyz`, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      ok = false;
    }
    const wasReady = r.pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    r.readinessFailures = ok ? 0 : (r.readinessFailures ?? 0) + 1;
    return ok || (wasReady && r.readinessFailures < READINESS_FAILURE_THRESHOLD);
  }

  private async report(r: Running): Promise<void> {
    const ready = await this.ready(r);
    const pod = r.pod;
    const phase = r.child ? 'Running' : 'Pending';
    // Compared with what the Pod says, not with what was last sent: a status write that lost a
    // conflict (the operator labelling the Pod) is sent again on the next tick.
    const reported = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (pod.status?.phase === phase && pod.status.podIP === r.ip && reported === ready && (pod.status.containerStatuses?.[0]?.restartCount ?? 0) === r.restarts) return;
    const status = String(ready ? 'True' : 'False');
    const body: V1Pod = {
      ...pod,
      status: {
        phase,
        podIP: r.ip,
        podIPs: [{ ip: r.ip }],
        hostIP: '127.0.0.1',
        conditions: [
          { type: 'Ready', status },
          { type: 'ContainersReady', status },
        ],
        containerStatuses: [{ name: 'postgres', image: pod.spec!.containers[0]!.image!, imageID: '', ready, restartCount: r.restarts, started: Boolean(r.child), state: r.child ? { running: { startedAt: r.startedAt } } : { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    };
    await this.core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body }).catch(() => undefined);
  }

  /**
   * Evicts Pod NAME as a kubelet under node pressure does: its container is killed and never
   * started again, and the Pod stays, in phase Failed with reason Evicted, until someone deletes it.
   */
  async evict(namespace: string, name: string): Promise<void> {
    const pod = await this.core.readNamespacedPod({ name, namespace });
    const uid = pod.metadata!.uid!;
    this.evicted.add(uid);
    while (this.busy) await sleep(50);
    const pid = this.running.get(uid)?.child?.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const message = 'The node was low on resource: memory.';
    await this.core.replaceNamespacedPodStatus({
      name,
      namespace,
      body: { ...pod, status: { ...pod.status, phase: 'Failed', reason: 'Evicted', message, conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [] } },
    });
  }

  private async stopPod(uid: string): Promise<void> {
    const r = this.running.get(uid);
    if (!r) return;
    this.running.delete(uid);
    const child = r.child;
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await sleep(2000);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(this.podDir(r), { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // A sync under way may still register the Node or launch a manager.
    while (this.busy) await sleep(50);
    await this.exec.close();
    for (const oneShot of this.oneShots) oneShot.stop();
    if (this.registered) await this.core.deleteNode({ name: this.nodeName }).catch(() => undefined);
    for (const r of this.running.values()) {
      if (r.child?.pid) {
        try {
          process.kill(-r.child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    // The managers' postmasters are in their process groups too.
    spawnSync('pkill', ['-KILL', '-f', this.dir]);
    await sleep(500);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    for (const d of this.socketDirs) rmSync(d, { recursive: true, force: true });
    this.addresses.release();
  }
}
