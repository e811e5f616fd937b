// The InstanceRuntime contract (test/contracts/instance-runtime.ts) against both implementations:
// local processes under a CNPG_HOME of their own, and Pods on a real kube-apiserver that the
// kubelet stand-in runs.
import { after, before } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifests } from '../src/api/index.js';
import type { StoredCluster as Cluster } from '../src/api/cluster-status.js';
import { openHome } from '../src/platform/local/home.js';
import { LocalInstances } from '../src/platform/local/instances.js';
import { KubeInstances } from '../src/platform/kubernetes/instances.js';
import { KubeStore } from '../src/platform/kubernetes/store.js';
import { instanceRuntimeContract, type RuntimeUnderTest } from './contracts/instance-runtime.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { installCrds } from './support/crds.js';
import { KubeletStandIn } from './support/kubelet.js';
import { createCluster, readCluster } from './support/operator.js';

const clusterOf = (name: string): Cluster =>
  parseManifests(`apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  instances: 1\n  storage:\n    size: 1Gi\n`).resources[0] as Cluster;

const homeDir = mkdtempSync(join(tmpdir(), 'cnpg-runtime-contract-'));
const kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-runtime-contract-kubelet-'));
let local: RuntimeUnderTest;
let kube: RuntimeUnderTest;
let localInstances: LocalInstances;
let cp: ControlPlane;
let kubelet: KubeletStandIn;

before(async () => {
  const home = openHome(homeDir);
  localInstances = new LocalInstances(home);
  const localCluster = clusterOf('local');
  local = {
    runtime: localInstances,
    cluster: localCluster,
    dataKept: async (name) => existsSync(join(localInstances.clusterDir('default', 'local'), name, 'pgdata', 'PG_VERSION')),
  };

  cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installCrds(kc);
  kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  const store = new KubeStore(kc);
  const kubeCluster = clusterOf('kube');
  await createCluster(kc, 'kube', kubeCluster.spec as Record<string, unknown>);
  kube = {
    runtime: new KubeInstances(kc, store, { defaultImage: 'ghcr.io/cnpg-ts/postgresql:15-0.1.0', operatorImage: 'ghcr.io/cnpg-ts/cnpg-ts:0.1.0', defaultMajor: 15, controlPlaneUrl: `${cp.server}/livez` }),
    cluster: await readCluster(kc, 'kube'),
    // Deleted is enough: with no controller-manager here, pvc-protection's finalizer is never lifted.
    dataKept: async (name) => {
      const pvc = await store.get('PersistentVolumeClaim', 'default', name);
      return pvc !== undefined && !pvc.metadata.deletionTimestamp;
    },
  };
}, { timeout: 60 * 60_000 });

after(async () => {
  for (const i of await localInstances.observe(local.cluster).catch(() => [])) await localInstances.remove(local.cluster, i.name);
  await localInstances.release(local.cluster).catch(() => undefined);
  localInstances.close();
  rmSync(homeDir, { recursive: true, force: true });
  await kubelet?.stop();
  await cp?.stop();
  rmSync(kubeletDir, { recursive: true, force: true });
});

instanceRuntimeContract('local', () => local);
instanceRuntimeContract('kubernetes', () => kube);
