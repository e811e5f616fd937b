// Our Kubernetes operator as its Deployment runs it, against a test control plane: every port it
// serves is picked by the system and bound to loopback, and its output is kept for failure reports.
// Also the Cluster reads and writes the tests that run it share.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { StoredCluster } from '../../src/api/cluster-status.js';
import type { ControlPlane } from './controlplane.js';

const OPERATOR = fileURLToPath(new URL('../../src/platform/kubernetes/main.js', import.meta.url));
const KEPT_OUTPUT = 30_000;

export class TestOperator {
  readonly child: ChildProcess;
  private log = '';

  /** `env` overrides the defaults (POD_NAME `operator`, ports 0 on 127.0.0.1). */
  constructor(cp: ControlPlane, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [OPERATOR], {
      env: {
        ...process.env,
        KUBECONFIG: cp.kubeconfigPath,
        OPERATOR_NAMESPACE: 'cnpg-system',
        POD_NAME: 'operator',
        WEBHOOK_PORT: '0',
        WEBHOOK_BIND: '127.0.0.1',
        HEALTH_PORT: '0',
        HEALTH_BIND: '127.0.0.1',
        METRICS_PORT: '0',
        METRICS_BIND: '127.0.0.1',
        CONTROL_PLANE_URL: `${cp.server}/livez`,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-KEPT_OUTPUT));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  /** The last `chars` of what it printed. */
  output(chars = KEPT_OUTPUT): string {
    return this.log.slice(-chars);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

const CLUSTERS = { group: 'postgresql.cnpg.io', version: 'v1', plural: 'clusters' } as const;

/** Creates Cluster NAME in `default` with SPEC, as `kubectl apply` would (webhooks included). */
export async function createCluster(kc: KubeConfig, name: string, spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...CLUSTERS, namespace: 'default', body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name }, spec } });
}

export async function readCluster(kc: KubeConfig, name: string): Promise<StoredCluster> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...CLUSTERS, namespace: 'default', name })) as StoredCluster;
}
