// A real kube-apiserver with the CRDs, a stand-in kubelet running instance Pods with real
// PostgreSQL, and our operator: what a Kubernetes test of a Cluster's behaviour starts from.
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
