// spec.managed.services and spec.podSelectorRefs through a real kube-apiserver with real PostgreSQL
// (stand-in kubelet): a disabled default Service is not made, an additional one is a real Service
// shaped by its template with the selectorType's selector, patched or replaced as its updateStrategy
// says and deleted once the spec drops it; a selector resolves to the matching Pods' IPs
// (status.podSelectorRefs) and its pg_hba line is expanded in the instance's pg_hba.conf.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { createCluster, readCluster } from './support/operator.js';

let env: KubeOperatorEnv;
let kc: KubeConfig;

const core = () => kc.makeApiClient(CoreV1Api);
const clusterStatus = async (): Promise<ClusterStatus> => (await readCluster(kc, 'pg')).status ?? {};
const service = (name: string): Promise<V1Service | undefined> => core().readNamespacedService({ name, namespace: 'default' }).catch(() => undefined);

async function patchCluster(spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg', body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === name) return path;
    if (statSync(path).isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

const extra = (labels: Record<string, string>, updateStrategy: string, port = 5432) => ({
  selectorType: 'rw',
  updateStrategy,
  serviceTemplate: { metadata: { name: 'pg-extra', labels }, spec: { ports: [{ name: 'postgres', port, targetPort: 5432 }] } },
});

before(async () => {
  env = await startKubeOperatorEnv();
  kc = env.kc;
});

after(() => env?.stop());

test('additional and disabled Services, and ${podselector:NAME} expanded from Pod IPs', { timeout: 600_000 }, async () => {
  // An application Pod no kubelet runs here: its address is what its status says.
  await core().createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web-1', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web' }] } } });
  await core().patchNamespacedPodStatus(
    { name: 'web-1', namespace: 'default', body: { status: { podIP: '10.9.8.7', podIPs: [{ ip: '10.9.8.7' }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await createCluster(kc, 'pg', {
    instances: 1,
    storage: { size: '1Gi' },
    podSelectorRefs: [{ name: 'web', selector: { matchLabels: { app: 'web' } } }],
    postgresql: { pg_hba: ['host app app ${podselector:web} scram-sha-256'] },
    managed: { services: { disabledDefaultServices: ['ro'], additional: [extra({ team: 'shop' }, 'patch')] } },
  });
  await eventually('a healthy cluster', async () => (await clusterStatus()).phase === 'Cluster in healthy state', 300_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\nkubelet: ${env.kubelet.lastError ?? 'no error'}\noperator:\n${env.operator.output(4000)}`);
  });

  const names = (await core().listNamespacedService({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items.map((s) => s.metadata?.name).sort();
  assert.deepEqual(names, ['pg-extra', 'pg-r', 'pg-rw']);
  const svc = (await service('pg-extra')) as V1Service;
  assert.equal(svc.metadata?.labels?.team, 'shop');
  assert.equal(svc.metadata?.labels?.['cnpg.io/isManaged'], 'true');
  assert.equal(svc.metadata?.annotations?.['cnpg.io/updateStrategy'], 'patch');
  assert.deepEqual(svc.spec?.selector, (await service('pg-rw'))?.spec?.selector);
  assert.equal(svc.metadata?.ownerReferences?.[0]?.kind, 'Cluster');

  const status = await eventually('selector resolved', async () => {
    const s = await clusterStatus();
    return s.podSelectorRefs?.[0]?.ips ? s : undefined;
  }, 60_000);
  assert.deepEqual(status.podSelectorRefs, [{ name: 'web', ips: ['10.9.8.7'] }]);
  await eventually('pg_hba.conf expanded', async () => {
    const file = findFile(join(env.kubeletDir, 'pvc'), 'pg_hba.conf');
    return file !== undefined && readFileSync(file, 'utf8').includes('host app app 10.9.8.7/32 scram-sha-256');
  }, 60_000);

  // patch: the same Service object, brought to the template.
  const uid = svc.metadata?.uid;
  await patchCluster({ managed: { services: { disabledDefaultServices: ['ro'], additional: [extra({ team: 'sales' }, 'patch')] } } });
  const patched = await eventually('label patched', async () => {
    const s = await service('pg-extra');
    return s?.metadata?.labels?.team === 'sales' ? s : undefined;
  }, 60_000);
  assert.equal(patched.metadata?.uid, uid);

  // replace: a new Service object.
  await patchCluster({ managed: { services: { disabledDefaultServices: ['ro'], additional: [extra({ team: 'sales' }, 'replace', 6432)] } } });
  const replaced = await eventually('port replaced', async () => {
    const s = await service('pg-extra');
    return s?.spec?.ports?.[0]?.port === 6432 ? s : undefined;
  }, 60_000);
  assert.notEqual(replaced.metadata?.uid, uid);

  // Dropped from the spec, and ro enabled again.
  await patchCluster({ managed: { services: { disabledDefaultServices: [], additional: [] } } });
  await eventually('pg-extra deleted, pg-ro made', async () => (await service('pg-extra')) === undefined && (await service('pg-ro')) !== undefined, 60_000);
});
