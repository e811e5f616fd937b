import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isBackup,
  isClusterImageCatalog,
  isConfigMap,
  isPooler,
  isScheduledBackup,
  isSecret,
  secretValues,
  validateObject,
} from './index.js';
import { rejectionOf } from './testing.js';
import { PGBOUNCER_PARAMETERS } from './pgbouncer-parameters.js';

const cnpg = (kind: string, spec: unknown, name = 'x') => ({ apiVersion: 'postgresql.cnpg.io/v1', kind, metadata: { name }, spec });

test('Backup defaults: method barmanObjectStore, target left to the Cluster', () => {
  const { resource, warnings } = validateObject(cnpg('Backup', { cluster: { name: 'pg' } }));
  assert.ok(isBackup(resource));
  assert.equal(resource.spec.method, 'barmanObjectStore');
  assert.equal(resource.spec.target, undefined);
  assert.deepEqual(warnings, []);
});

test('Backup method rules', () => {
  assert.ok(validateObject(cnpg('Backup', { cluster: { name: 'pg' }, method: 'volumeSnapshot', online: false })));
  assert.ok(validateObject(cnpg('Backup', { cluster: { name: 'pg' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } })));
  assert.match(rejectionOf(cnpg('Backup', { cluster: { name: 'pg' }, online: true }))[0] ?? '', /spec\.online: online is only used with method: volumeSnapshot/);
  assert.match(rejectionOf(cnpg('Backup', { cluster: { name: 'pg' }, method: 'tape' }))[0] ?? '', /spec\.method: must be one of: barmanObjectStore, volumeSnapshot, plugin \(got "tape"\)/);
});

test('ScheduledBackup defaults', () => {
  const { resource } = validateObject(cnpg('ScheduledBackup', { schedule: '0 0 0 * * *', cluster: { name: 'pg' } }));
  assert.ok(isScheduledBackup(resource));
  assert.deepEqual(resource.spec, {
    schedule: '0 0 0 * * *',
    immediate: false,
    suspend: false,
    backupOwnerReference: 'none',
    cluster: { name: 'pg' },
    method: 'barmanObjectStore',
  });
  assert.match(rejectionOf(cnpg('ScheduledBackup', { cluster: { name: 'pg' } }))[0] ?? '', /spec\.schedule: required field is missing/);
  assert.match(rejectionOf(cnpg('ScheduledBackup', { schedule: '0 0 0 * * *', cluster: { name: 'pg' }, backupOwnerReference: 'me' }))[0] ?? '', /must be one of: none, self, cluster/);
});

test('Pooler defaults and rules', () => {
  const { resource } = validateObject(cnpg('Pooler', { cluster: { name: 'pg' } }, 'pg-pooler'));
  assert.ok(isPooler(resource));
  assert.equal(resource.spec.type, 'rw');
  assert.equal(resource.spec.instances, 1);
  assert.equal(resource.spec.pgbouncer.poolMode, 'session');
  assert.equal(resource.spec.pgbouncer.paused, false);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' } }, 'pg'))[0] ?? '', /spec\.cluster\.name: must differ from the Pooler's own name "pg"/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { listen_port: '6432' } } }))[0] ?? '', /spec\.pgbouncer\.parameters\.listen_port: parameter "listen_port" is managed by the operator and cannot be set: the pooler listens on 5432/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { pool_mode: 'transaction' } } }))[0] ?? '', /parameters\.pool_mode: .*set spec\.pgbouncer\.poolMode instead/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { auth_type: 'cert' } } }))[0] ?? '', /spec\.pgbouncer\.parameters\.auth_type: auth_type "cert" cannot work in a pooler: keep auth_type hba and write "hostssl all all 0\.0\.0\.0\/0 cert" in spec\.pgbouncer\.pg_hba/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { auth_type: 'PAM' } } }))[0] ?? '', /parameters\.auth_type: auth_type "PAM" cannot work in a pooler: the pooler has no PAM service/);
  assert.ok(isPooler(validateObject(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { auth_type: 'scram-sha-256' } } })).resource));
  const unknown = rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { constructor: '1' } } }))[0] ?? '';
  assert.match(unknown, /spec\.pgbouncer\.parameters\.constructor: "constructor" is not a PgBouncer parameter a Pooler may set \(allowed: application_name_add_host, .*, verbose\)/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { default_pool_size: '25\nlisten_port = 1' } } }))[0] ?? '', /parameters\.default_pool_size: must not contain control characters/);
  // CloudNativePG's whole allow-list, as its manifests use it.
  const everything = Object.fromEntries(PGBOUNCER_PARAMETERS.map((name) => [name, '1']));
  assert.ok(isPooler(validateObject(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: everything } })).resource));
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, pgbouncer: { parameters: { max_client_conn: 1000 } } }))[0] ?? '', /quote the value \(got number 1000\)/);
  assert.match(rejectionOf(cnpg('Pooler', { cluster: { name: 'pg' }, type: 'rx' }))[0] ?? '', /spec\.type: must be one of: rw, ro, r/);
});

test('ClusterImageCatalog is cluster-scoped and limited to 8 images', () => {
  const images = [{ major: 16, image: 'ghcr.io/cloudnative-pg/postgresql:16.4' }, { major: 17, image: 'ghcr.io/cloudnative-pg/postgresql:17.2' }];
  const { resource } = validateObject(cnpg('ClusterImageCatalog', { images }));
  assert.ok(isClusterImageCatalog(resource));
  assert.ok(!('namespace' in resource.metadata));
  const many = Array.from({ length: 9 }, (_, index) => ({ major: 10 + index, image: `pg:${10 + index}` }));
  assert.match(rejectionOf(cnpg('ImageCatalog', { images: many }))[0] ?? '', /spec\.images: must have at most 8 items \(got 9\)/);
  assert.match(rejectionOf(cnpg('ImageCatalog', { images: [{ major: 9, image: 'pg:9.6' }] }))[0] ?? '', /spec\.images\[0\]\.major: must be at least 10 \(got 9\)/);
});

test('Secret: type defaults to Opaque, stringData merges over data', () => {
  const { resource } = validateObject({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds' },
    data: { username: Buffer.from('old').toString('base64'), password: Buffer.from('pw').toString('base64') },
    stringData: { username: 'app' },
  });
  assert.ok(isSecret(resource));
  assert.equal(resource.type, 'Opaque');
  assert.ok(!('stringData' in resource));
  assert.deepEqual(secretValues(resource), { username: 'app', password: 'pw' });
});

test('Secret: typed secrets need their keys, values must be strings', () => {
  const tls = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } };
  assert.match(rejectionOf(tls)[0] ?? '', /^Secret\/tls: data: a kubernetes.io\/tls Secret needs the keys tls.crt and tls.key$/);
  const numeric = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'n' }, stringData: { port: 5432 } };
  assert.match(rejectionOf(numeric)[0] ?? '', /stringData\.port: must be a string, quote the value \(got number 5432\)/);
});

test('ConfigMap: data strings, binaryData base64, keys in one map only', () => {
  const { resource } = validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' }, binaryData: { b: 'eA==' } });
  assert.ok(isConfigMap(resource));
  assert.equal(resource.metadata.namespace, 'default');
  const clash = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' }, binaryData: { a: 'eA==' } };
  assert.match(rejectionOf(clash)[0] ?? '', /binaryData\.a: key "a" is also in data/);
});

test('Namespace names are DNS labels', () => {
  assert.match(rejectionOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data.layer' } })[0] ?? '', /RFC 1123 label/);
});
