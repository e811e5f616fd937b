import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, resolveKind } from './kinds.js';

const names: [string, string][] = [
  ['clusters', 'Cluster'],
  ['cluster', 'Cluster'],
  ['Cluster', 'Cluster'],
  ['cluster.postgresql.cnpg.io', 'Cluster'],
  ['clusters.v1.postgresql.cnpg.io', 'Cluster'],
  ['pods', 'Pod'],
  ['po', 'Pod'],
  ['svc', 'Service'],
  ['services', 'Service'],
  ['secrets', 'Secret'],
  ['backups', 'Backup'],
  ['scheduledbackups', 'ScheduledBackup'],
  ['poolers', 'Pooler'],
  ['imagecatalogs', 'ImageCatalog'],
  ['clusterimagecatalogs', 'ClusterImageCatalog'],
  ['namespaces', 'Namespace'],
  ['ns', 'Namespace'],
  ['configmaps', 'ConfigMap'],
  ['cm', 'ConfigMap'],
  ['cluster.v1.postgresql.cnpg.io', 'Cluster'],
  ['pvc', 'PersistentVolumeClaim'],
  ['deployments.apps', 'Deployment'],
  ['deploy', 'Deployment'],
  ['ev', 'Event'],
];

for (const [text, kind] of names) {
  test(`"${text}" resolves to ${kind}`, () => assert.equal(resolveKind(text)?.kind, kind));
}

test('unknown names and wrong groups do not resolve', () => {
  assert.equal(resolveKind('clustres'), undefined);
  assert.equal(resolveKind('cluster.example.com'), undefined);
  assert.equal(resolveKind('deployments.postgresql.cnpg.io'), undefined);
});

test('scope and read-only flags', () => {
  assert.equal(KINDS.ClusterImageCatalog.namespaced, false);
  assert.equal(KINDS.Namespace.namespaced, false);
  assert.equal(KINDS.Cluster.namespaced, true);
  assert.equal(KINDS.Pod.readOnly, true);
  assert.equal(KINDS.Service.readOnly, true);
  assert.equal(KINDS.Cluster.apiVersion, 'postgresql.cnpg.io/v1');
  assert.equal(KINDS.Secret.apiVersion, 'v1');
});
