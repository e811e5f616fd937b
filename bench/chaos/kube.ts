// The false-failover part on the Kubernetes platform: a real kube-apiserver, the operator as its
// Deployment runs it, and the kubelet stand-in running each Pod's instance manager on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { onCleanup, poll } from '../failover/procs.js';
import { pgbenchInit, pgbenchUntil, stressFor } from './load.js';
import { startControlPlane } from '../../test/support/controlplane.js';
import { installCrds } from '../../test/support/crds.js';
import { KubeletStandIn } from '../../test/support/kubelet.js';
import { TestOperator, createCluster, readCluster } from '../../test/support/operator.js';

const NAME = 'chaos';

export async function falseFailoversOnKubernetes(minutes: number): Promise<string[]> {
  const cp = await startControlPlane();
  const kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-chaos-kubelet-'));
  let kubelet: KubeletStandIn | undefined;
  let operator: TestOperator | undefined;
  const teardown = onCleanup(async () => {
    operator?.kill();
    await kubelet?.stop();
    await cp.stop();
    rmSync(kubeletDir, { recursive: true, force: true });
  });
  try {
    const kc = cp.kubeConfig();
    await installCrds(kc);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
    kubelet = new KubeletStandIn(kc, kubeletDir);
    kubelet.start();
    operator = new TestOperator(cp);
    await createCluster(kc, NAME, { instances: 3, storage: { size: '1Gi' }, postgresql: { synchronous: { method: 'any', number: 1 } } });
    const status = async () => (await readCluster(kc, NAME)).status ?? {};
    const ready = await poll(async () => {
      const s = await status();
      return s.phase === 'Cluster in healthy state' && s.readyInstances === 3 ? s : undefined;
    }, 300_000, 1000);
    if (!ready) throw new Error(`the Kubernetes cluster did not become healthy in 5 min:\n${operator.output(3000)}`);
    const secret = await core.readNamespacedSecret({ name: `${NAME}-app`, namespace: 'default' });
    const password = encodeURIComponent(Buffer.from(secret.data!.password!, 'base64').toString());
    // No Service proxy here: the writes go to the primary's Pod IP, whichever Pod that is now.
    const uri = async () => `postgresql://app:${password}@${kubelet!.ipOf((await status()).currentPrimary ?? `${NAME}-1`)}:5432/app?sslmode=require`;
    await pgbenchInit(await uri(), 10);
    const stopStress = stressFor(minutes * 60 + 5);
    const load = await pgbenchUntil(uri, performance.now() + minutes * 60_000);
    await stopStress();
    const after = await status();
    return ['kubernetes', String(minutes), String((after.timelineID ?? 0) - (ready.timelineID ?? 0)), `${ready.currentPrimary} → ${after.currentPrimary}`, String(load.transactions), String(load.restarts), '-', '-'];
  } finally {
    await teardown();
  }
}
