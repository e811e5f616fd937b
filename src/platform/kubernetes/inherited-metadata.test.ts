import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { NotFoundError } from '../../operator/platform.js';
import { KubeInheritedMetadata, inheritedMetadataUpdates } from './inherited-metadata.js';
import type { KubeStore } from './store.js';
import { clusterPodMonitor, clusterServices, instancePvc, instanceServiceAccount, managerSecret, podDisruptionBudgets } from './specs.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'u-1' }, spec: { instances: 3, storage: { size: '1Gi' }, walStorage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

const secret = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'data', labels: { 'cnpg.io/cluster': 'pg' }, ...extra } });

test('every object a Cluster made before a change of inheritedMetadata gets a patch: claims, Services, Secrets, budgets, the ServiceAccount', () => {
  const before = cluster();
  const after = cluster({ inheritedMetadata: { labels: { team: 'db' }, annotations: { owner: 'data' } } });
  const made = [
    instancePvc(before, 'pg-1', 1, 'PG_DATA'),
    instancePvc(before, 'pg-1', 1, 'PG_WAL'),
    ...clusterServices(before),
    managerSecret(before, 'pg-1', {}),
    instanceServiceAccount(before)!,
    ...podDisruptionBudgets(before),
    ...['pg-app', 'pg-replication', 'pg-ca', 'pg-server'].map((n) => secret(n)),
  ];
  const updates = inheritedMetadataUpdates(after, made);
  assert.deepEqual(updates.map((u) => `${u.kind}/${u.name}`), made.map((o) => `${o.kind}/${o.metadata.name}`));
  for (const u of updates) assert.deepEqual(u.patch, { labels: { team: 'db' }, annotations: { owner: 'data' } });
  const current = made.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, team: 'db' }, annotations: { ...o.metadata.annotations, owner: 'data' } } }));
  assert.deepEqual(inheritedMetadataUpdates(after, current), [], 'up to date: no request');
  assert.ok(clusterPodMonitor(after).metadata.labels?.team === 'db');
});

test('objects that are not the Cluster’s own are left alone', () => {
  const c = cluster({ inheritedMetadata: { labels: { team: 'db' } } });
  const owned = instancePvc(cluster(), 'pg-1', 1, 'PG_DATA');
  const others: KubeObject[] = [
    // A Pooler's objects carry the Cluster's label but are the Pooler's.
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pooler-rw', labels: { 'cnpg.io/cluster': 'pg' }, ownerReferences: [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', name: 'pooler-rw', uid: 'p' }] } },
    // Detached by destroy --keep-pvc: no owner reference to the Cluster any more.
    { ...owned, metadata: { ...owned.metadata, name: 'pg-2', ownerReferences: [] } },
    // A Cluster of the same name before this one was made.
    { ...owned, metadata: { ...owned.metadata, name: 'pg-3', ownerReferences: [{ ...owned.metadata.ownerReferences![0]!, uid: 'old' }] } },
    { ...owned, metadata: { ...owned.metadata, name: 'pg-4', deletionTimestamp: '2026-01-01T00:00:00Z' } },
    // A Secret the user names in the spec.
    secret('my-superuser'),
  ];
  assert.deepEqual(inheritedMetadataUpdates(c, others), []);
  assert.deepEqual(inheritedMetadataUpdates(cluster({ certificates: { serverTLSSecret: 'mine', serverCASecret: 'mine-ca' } , inheritedMetadata: { labels: { team: 'db' } } }), [secret('pg-server'), secret('pg-ca')]).map((u) => u.name), ['pg-ca'], 'a server certificate the user gives is theirs; the generated CA is still needed for clients');
});

test('apply: lists each kind from the store, patches what lags, and passes over an object gone since it was listed', async () => {
  const c = cluster({ inheritedMetadata: { labels: { team: 'db' } } });
  const pvc = instancePvc(cluster(), 'pg-1', 1, 'PG_DATA');
  const listed: string[] = [];
  const patched: string[] = [];
  const store = {
    list: async (kind: string, _ns: string, labels: Record<string, string>) => {
      listed.push(`${kind}:${JSON.stringify(labels)}`);
      if (kind === 'PersistentVolumeClaim') return [pvc, { ...pvc, metadata: { ...pvc.metadata, name: 'pg-gone' } }];
      return kind === 'Secret' ? [secret('pg-app', { labels: { 'cnpg.io/cluster': 'pg', team: 'db' } })] : [];
    },
    patchMetadata: async (kind: string, _ns: string, name: string, patch: unknown) => {
      if (name === 'pg-gone') throw new NotFoundError('gone');
      patched.push(`${kind}/${name} ${JSON.stringify(patch)}`);
    },
  } as unknown as KubeStore;
  await new KubeInheritedMetadata(store).apply(c);
  assert.deepEqual(listed, ['Pod', 'PersistentVolumeClaim', 'Secret', 'Service', 'PodDisruptionBudget', 'ServiceAccount'].map((k) => `${k}:{"cnpg.io/cluster":"pg"}`));
  assert.deepEqual(patched, ['PersistentVolumeClaim/pg-1 {"labels":{"team":"db"}}']);
  listed.length = 0;
  await new KubeInheritedMetadata(store).apply(cluster());
  assert.deepEqual(listed, [], 'a Cluster inheriting nothing costs nothing');
});
