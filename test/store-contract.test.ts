// The ResourceStore contract (test/contracts/resource-store.ts) against both implementations: the
// local store in a folder of its own, and the Kubernetes store against a real kube-apiserver.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../src/platform/local/store.js';
import { KubeStore } from '../src/platform/kubernetes/store.js';
import { resourceStoreContract } from './contracts/resource-store.js';
import { installCrds } from './support/crds.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';

const dir = mkdtempSync(join(tmpdir(), 'cnpg-store-contract-'));
let local: FileStore;
let cp: ControlPlane;
let kube: KubeStore;

before(async () => {
  local = new FileStore(dir);
  cp = await startControlPlane();
  await installCrds(cp.kubeConfig());
  kube = new KubeStore(cp.kubeConfig());
}, { timeout: 60 * 60_000 });

after(async () => {
  await local?.flush();
  rmSync(dir, { recursive: true, force: true });
  await cp?.stop();
});

resourceStoreContract('local', () => local);
resourceStoreContract('kubernetes', () => kube);
