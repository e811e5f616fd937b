// bench/operator: our Kubernetes operator against a real kube-apiserver with 1, 100 and 1000
// Clusters: how long a spec change takes to reach the objects it changes (p50/p99), and the
// operator's memory. No reference: CloudNativePG's operator cannot run here, so the figures are
// absolute, against the targets p99 ≤ 200 ms at 1000 Clusters and RSS ≤ 300 MB.
//
//   node dist/bench/operator.js [--sizes 1,100,1000] [--samples 60]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane } from '../test/support/controlplane.js';
import { installCrds } from '../test/support/crds.js';
import { freePort } from '../test/support/s3.js';
import { cleanupAll, cleanupOnSignals, onCleanup } from './failover/procs.js';
import { HEADERS, parseArgs, row, table, TARGET_P99_MS, TARGET_RSS_MB, type Options, type SizeResult } from './operator/report.js';
import { releaseDeletedClaims, startManagerStandIns, watchInstancePods } from './operator/standins.js';
import { runBench } from './run.js';
import { setTimeout as sleep } from 'node:timers/promises';

const OPERATOR = fileURLToPath(new URL('../src/platform/kubernetes/main.js', import.meta.url));
const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
const NS = 'bench';
const HEALTHY = 'Cluster in healthy state';
const CHANGE_BOUND_MS = 10_000;
const SETTLE_BOUND_MS = 60_000;
const IDLE_WINDOW_MS = 15_000;
const CREATE_CONCURRENCY = 8;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface ClusterStatus {
  phase?: string;
  phaseReason?: string;
  instances?: number;
  readyInstances?: number;
}

const clusterName = (i: number) => `c${String(i).padStart(4, '0')}`;

class Bench {
  private readonly custom: CustomObjectsApi;
  private readonly objects: KubernetesObjectApi;
  /** `ADDED:pod` / `DELETED:pod` → who waits for it. */
  private readonly waiters = new Map<string, (at: number) => void>();
  private operator?: ChildProcess;
  private operatorOutput = '';
  private metricsPort = 0;
  created = 0;

  constructor(private readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  onPodEvent(type: string, pod: V1Pod, at: number): void {
    const key = `${type}:${pod.metadata?.name}`;
    const waiter = this.waiters.get(key);
    if (!waiter) return;
    this.waiters.delete(key);
    waiter(at);
  }

  async startOperator(kubeconfigPath: string, server: string): Promise<void> {
    this.metricsPort = await freePort();
    // The V8 heap settings of the operator image, so the memory measured is the memory deployed.
    const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];
    if (nodeOptions === undefined) throw new Error(`${DOCKERFILE} sets no NODE_OPTIONS for the operator`);
    const child = spawn(process.execPath, [OPERATOR], {
      env: {
        ...process.env,
        NODE_OPTIONS: nodeOptions,
        KUBECONFIG: kubeconfigPath,
        OPERATOR_NAMESPACE: 'cnpg-system',
        POD_NAME: 'bench-operator',
        WEBHOOK_PORT: '0',
        WEBHOOK_BIND: '127.0.0.1',
        HEALTH_PORT: '0',
        HEALTH_BIND: '127.0.0.1',
        METRICS_PORT: String(this.metricsPort),
        METRICS_BIND: '127.0.0.1',
        CONTROL_PLANE_URL: `${server}/livez`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (this.operatorOutput = (this.operatorOutput + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.operator = child;
    onCleanup(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(late);
    });
  }

  private operatorPid(): number {
    const pid = this.operator?.pid;
    if (!pid || this.operator?.exitCode !== null) throw new Error(`the operator exited (${this.operator?.exitCode})\n${this.operatorOutput.slice(-4000)}`);
    return pid;
  }

  /** VmRSS and VmHWM of the operator, MB. */
  memory(): { rssMb: number; peakRssMb: number } {
    const status = readFileSync(`/proc/${this.operatorPid()}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  }

  /** Cluster reconciles so far, from the operator's /metrics; NaN if it cannot be read. */
  async reconciles(): Promise<number> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      let total = 0;
      for (const m of text.matchAll(/^controller_runtime_reconcile_total\{[^}]*controller="cluster"[^}]*\} (\S+)$/gm)) total += Number(m[1]);
      return total;
    } catch {
      return NaN;
    }
  }

  async createClusters(upTo: number): Promise<void> {
    const next = () => (this.created < upTo ? this.created++ : undefined);
    const worker = async () => {
      for (let i = next(); i !== undefined; i = next()) {
        await this.custom.createNamespacedCustomObject({
          group: 'postgresql.cnpg.io',
          version: 'v1',
          namespace: NS,
          plural: 'clusters',
          body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: clusterName(i) }, spec: { instances: 1, storage: { size: '1Gi' } } },
        });
      }
    };
    await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  }

  /** Waits until every Cluster is healthy with one ready instance; bounded by a minute per 100 Clusters. */
  async settled(count: number): Promise<void> {
    const deadline = Date.now() + Math.max(SETTLE_BOUND_MS, count * 600);
    let lastLog = 0;
    for (;;) {
      this.operatorPid();
      const list = (await this.custom.listNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: NS, plural: 'clusters' })) as { items: Array<{ status?: ClusterStatus }> };
      const healthy = list.items.filter((c) => c.status?.phase === HEALTHY && c.status.instances === 1 && c.status.readyInstances === 1).length;
      if (healthy === count) return;
      if (Date.now() > deadline) {
        const states = new Map<string, number>();
        for (const c of list.items) if (c.status?.phase !== HEALTHY) states.set(`${c.status?.phase}: ${c.status?.phaseReason ?? ''}`, (states.get(`${c.status?.phase}: ${c.status?.phaseReason ?? ''}`) ?? 0) + 1);
        throw new Error(`only ${healthy}/${count} Clusters healthy after ${Math.round(Math.max(SETTLE_BOUND_MS, count * 600) / 1000)} s; the others: ${JSON.stringify(Object.fromEntries(states))}\n${this.operatorOutput.slice(-4000)}`);
      }
      if (Date.now() - lastLog > 15_000) {
        log(`  ${healthy}/${count} Clusters healthy`);
        lastLog = Date.now();
      }
      await sleep(2000);
    }
  }

  private async status(name: string): Promise<ClusterStatus> {
    const obj = (await this.custom.getNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: NS, plural: 'clusters', name })) as { status?: ClusterStatus };
    return obj.status ?? {};
  }

  private async healthyWith(name: string, instances: number): Promise<void> {
    const deadline = Date.now() + SETTLE_BOUND_MS;
    for (;;) {
      const s = await this.status(name);
      if (s.phase === HEALTHY && s.instances === instances && s.readyInstances === instances) return;
      if (Date.now() > deadline) throw new Error(`${name} not healthy with ${instances} instances within ${SETTLE_BOUND_MS / 1000} s: ${JSON.stringify(s)}\n${this.operatorOutput.slice(-4000)}`);
      await sleep(50);
    }
  }

  /** Milliseconds from sending the PATCH of spec.instances to the watch delivering `event`; undefined past the bound. */
  private async timedChange(name: string, instances: number, event: string): Promise<number | undefined> {
    let resolve!: (at: number) => void;
    const seen = new Promise<number>((r) => (resolve = r));
    this.waiters.set(event, resolve);
    const t0 = performance.now();
    await this.objects.patch(
      { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace: NS }, spec: { instances } } as never,
      undefined,
      undefined,
      'bench',
      undefined,
      PatchStrategy.MergePatch,
    );
    let timer: NodeJS.Timeout | undefined;
    const at = await Promise.race([seen, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), CHANGE_BOUND_MS)))]);
    clearTimeout(timer);
    this.waiters.delete(event);
    return at === undefined ? undefined : at - t0;
  }

  /** One sample: 1→2 instances timed to Pod X-2 appearing, then 2→1 timed to it being deleted. */
  async sample(name: string, result: SizeResult): Promise<void> {
    await this.healthyWith(name, 1);
    const up = await this.timedChange(name, 2, `ADDED:${name}-2`);
    if (up === undefined) {
      result.timeouts++;
      log(`  ${name}: no Pod ${name}-2 within ${CHANGE_BOUND_MS / 1000} s of spec.instances 1→2`);
    }
    else result.scaleUpMs.push(up);
    await this.healthyWith(name, 2);
    const down = await this.timedChange(name, 1, `DELETED:${name}-2`);
    if (down === undefined) {
      result.timeouts++;
      log(`  ${name}: Pod ${name}-2 not deleted within ${CHANGE_BOUND_MS / 1000} s of spec.instances 2→1`);
    }
    else result.scaleDownMs.push(down);
  }
}

/** Which Clusters the samples change: distinct ones when there are enough, spread at random. */
function pickClusters(count: number, samples: number): string[] {
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return Array.from({ length: samples }, (_, k) => clusterName(count >= samples ? (all[k] as number) : randomInt(count)));
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  try {
    log('starting kube-apiserver and etcd');
    // Three Services per Cluster: 1000 Clusters need more ClusterIPs than the default /24.
    const cp = await startControlPlane({ serviceClusterIpRange: '10.96.0.0/16' });
    onCleanup(() => cp.stop());
    const kc = cp.kubeConfig();
    await installCrds(kc);
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of ['cnpg-system', NS]) await core.createNamespace({ body: { metadata: { name } } });
    const managers = await startManagerStandIns();
    onCleanup(() => managers.stop());
    const bench = new Bench(kc);
    const pods = await watchInstancePods(kc, NS, managers, (type, pod, at) => bench.onPodEvent(type, pod, at));
    onCleanup(async () => pods.stop());
    const claims = await releaseDeletedClaims(kc, NS);
    onCleanup(async () => claims.stop());
    log(`instance stand-ins on ${managers.primaryIp} (primaries) and ${managers.replicaIp} (replicas); starting the operator`);
    await bench.startOperator(cp.kubeconfigPath, cp.server);

    const results: SizeResult[] = [];
    for (const size of o.sizes) {
      log(`${size} Clusters: creating ${size - bench.created}`);
      const t0 = performance.now();
      await bench.createClusters(size);
      await bench.settled(size);
      log(`  all healthy after ${((performance.now() - t0) / 1000).toFixed(1)} s; measuring idle reconciles for ${IDLE_WINDOW_MS / 1000} s`);
      const before = await bench.reconciles();
      await sleep(IDLE_WINDOW_MS);
      const idleReconcilesPerSec = ((await bench.reconciles()) - before) / (IDLE_WINDOW_MS / 1000);
      const result: SizeResult = { clusters: size, scaleUpMs: [], scaleDownMs: [], timeouts: 0, rssMb: 0, peakRssMb: 0, idleReconcilesPerSec };
      const targets = pickClusters(size, o.samples);
      for (const [k, name] of targets.entries()) {
        await bench.sample(name, result);
        if ((k + 1) % 20 === 0) log(`  ${k + 1}/${targets.length} samples`);
      }
      Object.assign(result, bench.memory());
      results.push(result);
      log(`  ${table(HEADERS, [row(result)]).split('\n')[2]}`);
    }
    console.log(`\nOperator reconcile latency: PATCH of spec.instances → the watch delivering the child Pod (up: ${'Pod X-2 created'}, down: Pod X-2 deleted)`);
    console.log(table(HEADERS, results.map(row)));
    console.log(`\nTargets: p99 ≤ ${TARGET_P99_MS} ms (both directions) and RSS ≤ ${TARGET_RSS_MB} MB. No reference run: CloudNativePG's operator is not runnable on this machine, so there is no ratio.`);
  } finally {
    await cleanupAll();
  }
}

runBench(parseArgs, main);
