// cnpg-ts on a real Kubernetes node (test/support/real-node.ts: kubelet on containerd, the project's
// images): the operator installed with the Helm chart, the same 3-instance Cluster as the local
// system, the writer on the X-rw Service (reached through a tunnel into the node's network
// namespace), failures injected and health read with kubectl and `kubectl cnpg`, as a user would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS } from '../../src/api/names.js';
import { startRealNode, type RealNode } from '../../test/support/real-node.js';
import {
  clusterPods,
  cnpg,
  helmInstallOperator,
  nodeTools,
  OPERATOR_DEPLOYMENT,
  OPERATOR_NAMESPACE,
  readCluster,
  rwConnection,
  statusReport,
  type NodeTools,
} from '../../test/support/on-node.js';
import type { Tunnel } from '../../test/support/netns.js';
import { clusterManifest, missing, NAME } from './cnpg.js';
import { onCleanup, poll } from './procs.js';
import type { Health, SetupFigure, System, Victim } from './trial.js';

export const KUBE_KINDS = ['delete-pod', 'switchover'] as const;

const HEALTHY = 'Cluster in healthy state';
const READY_TIMEOUT_MS = 300_000;

export class KubeSystem implements System<Victim> {
  readonly name = 'kubernetes';
  readonly kinds = KUBE_KINDS;
  readonly setup: SetupFigure[] = [];
  private node?: RealNode;
  private tools?: NodeTools;
  private rw?: { uri: string; tunnel: Tunnel };
  readonly stop: () => Promise<void>;

  constructor(private readonly synchronous: boolean) {
    this.stop = onCleanup(() => this.teardown());
  }

  private get on(): { node: RealNode; tools: NodeTools } {
    if (!this.node || !this.tools) throw new Error('the real node is not started');
    return { node: this.node, tools: this.tools };
  }

  async start(): Promise<void> {
    this.tools = await nodeTools();
    this.node = await startRealNode({ name: 'bench-failover' });
    const helmMs = await helmInstallOperator(this.node, this.tools);
    this.setup.push({ what: 'helm install --wait → operator Ready', ms: helmMs });
    await this.createCluster();
  }

  /** Applies the Cluster and waits until it is Ready; records how long that took. */
  private async createCluster(): Promise<void> {
    const { node } = this.on;
    // Static PersistentVolumes: three for the instances, Released ones of an earlier cluster recycled.
    await node.addVolumes(3, 2);
    const applied = performance.now();
    await node.kubectl(['apply', '-f', '-'], clusterManifest(this.synchronous));
    const ready = await poll(async () => {
      const s = (await readCluster(node, NAME)).status;
      return s?.phase === HEALTHY && s.readyInstances === 3 ? performance.now() : undefined;
    }, READY_TIMEOUT_MS, 250);
    if (ready === undefined) throw new Error(`cluster ${NAME} not Ready within ${READY_TIMEOUT_MS / 1000} s on the real node`);
    this.setup.push({ what: 'Cluster apply → Ready (3 instances)', ms: ready - applied });
    await this.rw?.tunnel.close();
    this.rw = await rwConnection(node, NAME);
  }

  conninfo(): string {
    if (!this.rw) throw new Error('no cluster yet');
    return this.rw.uri;
  }

  async recreate(): Promise<void> {
    const { node } = this.on;
    await node.kubectl(['delete', 'cluster', NAME, '--wait=true', '--timeout=120s'], undefined, 130_000).catch(() => undefined);
    await this.createCluster();
  }

  async primary(): Promise<Victim> {
    const p = (await clusterPods(this.on.node, NAME)).find((x) => x.metadata.labels?.[LABELS.instanceRole] === 'primary' && !x.metadata.deletionTimestamp);
    if (!p) throw new Error(`no Pod labelled ${LABELS.instanceRole}=primary`);
    return { name: p.metadata.name };
  }

  async inject(kind: string, v: Victim): Promise<void> {
    const { node, tools } = this.on;
    switch (kind) {
      case 'delete-pod':
        await node.kubectl(['delete', 'pod', v.name, '--wait=false']);
        return;
      case 'switchover': {
        const target = (await clusterPods(node, NAME)).find((p) => p.metadata.name !== v.name)?.metadata.name;
        if (!target) throw new Error('no replica to promote');
        const r = await cnpg(node, tools, ['promote', NAME, target]);
        if (r.code !== 0) throw new Error(`kubectl cnpg promote: ${r.stderr}`);
        return;
      }
      default:
        throw new Error(`kubernetes: unknown failure kind ${kind}`);
    }
  }

  async health(after?: { kind: string; victim: Victim }): Promise<Health> {
    const { node, tools } = this.on;
    const r = await statusReport(node, tools, NAME);
    const why = missing(r, this.synchronous, after?.victim.name);
    return why === undefined ? { healthy: true, detail: 'healthy', primary: r.currentPrimary } : { healthy: false, detail: why };
  }

  private async teardown(): Promise<void> {
    await this.rw?.tunnel.close();
    // What a figure needs explaining with: the operator's and the instances' own timelines.
    const keep = process.env['BENCH_LOGS_DIR'];
    if (keep && this.node) await keepLogs(this.node, keep).catch((e: Error) => console.error(`could not keep the node's logs: ${e.message}`));
    await this.node?.stop();
    this.tools?.close();
  }
}

async function keepLogs(node: RealNode, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const logs = async (args: string[]) => (await node.run('kubectl', ['logs', '--timestamps', '--tail=-1', ...args], { timeoutMs: 60_000 })).stdout;
  writeFileSync(join(dir, 'operator.log'), await logs(['-n', OPERATOR_NAMESPACE, `deployment/${OPERATOR_DEPLOYMENT}`]));
  for (const pod of await clusterPods(node, NAME)) writeFileSync(join(dir, `${pod.metadata.name}.log`), await logs([pod.metadata.name, '-c', 'postgres']));
  console.error(`logs kept in ${dir}`);
}
