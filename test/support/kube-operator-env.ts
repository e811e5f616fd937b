// A real kube-apiserver with the CRDs, a stand-in kubelet running instance Pods with real
// PostgreSQL, and our operator: what a Kubernetes test of a Cluster's behaviour starts from.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './crds.js';
import { startControlPlane, type ControlPlane } from './controlplane.js';
import { KubeletStandIn } from './kubelet.js';
import { TestOperator, createCluster, readCluster } from './operator.js';
import { eventually } from './env.js';

export interface KubeOperatorEnv {
  cp: ControlPlane;
  kc: KubeConfig;
  kubelet: KubeletStandIn;
  /** Where the kubelet keeps its Pods' volumes (`pvc/NAMESPACE/CLAIM`). */
  kubeletDir: string;
  operator: TestOperator;
  stop(): Promise<void>;
}

/** `operatorEnv`: overrides of the operator's environment (TestOperator), e.g. a METRICS_PORT to scrape. */
export async function startKubeOperatorEnv(operatorEnv: Record<string, string> = {}): Promise<KubeOperatorEnv> {
  const cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  const kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-kubelet-'));
  const kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  const operator = new TestOperator(cp, operatorEnv);
  return {
    cp,
    kc,
    kubelet,
    kubeletDir,
    operator,
    stop: async () => {
      operator.kill();
      await kubelet.stop();
      await cp.stop();
    },
  };
}

/** Creates Cluster `name` and waits for all its instances to be ready; fails with the kubelet's and operator's last words. */
export async function createHealthyCluster(env: KubeOperatorEnv, name: string, spec: Record<string, unknown> & { instances: number }): Promise<void> {
  const { kc, kubelet, operator } = env;
  await createCluster(kc, name, spec);
  const outcome = await eventually(`a healthy ${spec.instances}-instance cluster`, async () => {
    if (!operator.running) return `the operator exited (${operator.child.exitCode})`;
    const obj = await readCluster(kc, name);
    return obj.status?.phase === 'Cluster in healthy state' && obj.status.readyInstances === spec.instances && 'healthy';
  }, 240_000, 500).catch((e: Error) => e.message);
  if (outcome !== 'healthy') throw new Error(`${outcome}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}`);
}

/**
 * psql in a Pod through the real `kubectl exec`, as the Pod's user (postgres) on its socket;
 * unaligned rows. Never spawnSync: the stand-in serving the exec is in this process.
 */
export function podPsql(env: Pick<KubeOperatorEnv, 'cp'>, pod: string, query: string, database?: string): Promise<string> {
  const args = ['--kubeconfig', env.cp.kubeconfigPath, 'exec', pod, '-c', 'postgres', '--', 'psql', '-X', '-v', 'ON_ERROR_STOP=1', ...(database ? ['-d', database] : []), '-tAc', query];
  return new Promise((resolve, reject) => {
    const child = spawn(env.cp.kubectl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`psql on ${pod} exited ${code}: ${err}`))));
  });
}
