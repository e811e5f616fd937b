import test from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './index.js';

const cluster = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'pg' },
  spec: { instances: 1, storage: { size: '1Gi', storageClass: 'fast' }, affinity: { enablePodAntiAffinity: true }, serviceAccountTemplate: { metadata: {} } },
};

test('Pod and volume settings warn locally and are silent on Kubernetes, where they are applied', () => {
  assert.deepEqual(validateObject(cluster).warnings, [
    'Cluster/pg: spec.affinity: accepted; applies to Pods and volumes on Kubernetes, not to local instances',
    'Cluster/pg: spec.serviceAccountTemplate: accepted; applies to Pods and volumes on Kubernetes, not to local instances',
    'Cluster/pg: spec.storage.storageClass: accepted; applies to Pods and volumes on Kubernetes, not to local instances',
  ]);
  assert.deepEqual(validateObject(cluster, 'kubernetes').warnings, []);
});

test('ScheduledBackup spec.verify (ours) and the snapshot fields are acted on by both platforms: no warning on either', () => {
  const sb = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'daily' }, spec: { schedule: '0 0 2 * * *', cluster: { name: 'pg' }, verify: true, method: 'volumeSnapshot', online: true } };
  assert.deepEqual(validateObject(sb).warnings, []);
  assert.deepEqual(validateObject(sb, 'kubernetes').warnings, []);
});
