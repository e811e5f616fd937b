// Tests elsewhere speak as a CloudNativePG user does (`-l cnpg.io/cluster=pg`); this one pins the
// names and ports every layer takes from names.ts to CloudNativePG's.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATIONS, LABELS, MANAGER_PORT, METRICS_PORT, POSTGRES_PORT, instanceName, secretNames, serviceNames } from './names.js';

test('labels, annotations and ports are CloudNativePG’s', () => {
  assert.deepEqual([LABELS.cluster, LABELS.instanceName, LABELS.podRole, LABELS.instanceRole, LABELS.legacyRole, LABELS.pvcRole], [
    'cnpg.io/cluster',
    'cnpg.io/instanceName',
    'cnpg.io/podRole',
    'cnpg.io/instanceRole',
    'role',
    'cnpg.io/pvcRole',
  ]);
  assert.deepEqual([LABELS.userType, LABELS.reload, LABELS.scheduledBackup, LABELS.immediateBackup], ['cnpg.io/userType', 'cnpg.io/reload', 'cnpg.io/scheduled-backup', 'cnpg.io/immediateBackup']);
  assert.deepEqual([ANNOTATIONS.targetPrimary, ANNOTATIONS.fencedInstances, ANNOTATIONS.restartedAt, ANNOTATIONS.reloadedAt, ANNOTATIONS.hibernation, ANNOTATIONS.serial], [
    'cnpg.io/targetPrimary',
    'cnpg.io/fencedInstances',
    'kubectl.kubernetes.io/restartedAt',
    'cnpg.io/reloadedAt',
    'cnpg.io/hibernation',
    'cnpg.io/nodeSerial',
  ]);
  assert.deepEqual([POSTGRES_PORT, MANAGER_PORT, METRICS_PORT], [5432, 8000, 9187]);
});

test('object names are CloudNativePG’s', () => {
  assert.equal(instanceName('pg', 3), 'pg-3');
  assert.deepEqual(serviceNames('pg'), { rw: 'pg-rw', ro: 'pg-ro', r: 'pg-r' });
  assert.deepEqual(secretNames('pg'), { app: 'pg-app', superuser: 'pg-superuser', replication: 'pg-replication', ca: 'pg-ca', server: 'pg-server', pooler: 'pg-pooler' });
});
