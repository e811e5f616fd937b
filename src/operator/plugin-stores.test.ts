import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture } from '../api/testing.js';
import { validateObject } from '../api/index.js';
import type { ObjectStore } from '../api/object-store.js';
import { archiveStore, recoveryBootstrap } from './stores.js';
import { heldArchive, objectStoreNames, resolvePluginStores, withPluginStores } from './plugin-stores.js';
import { objectStoreStatusUpdate, recoveryWindow, withMissingArchiveCondition } from './plugin-store-status.js';
import { replicaClusterConfig } from './replica-cluster.js';
import { desiredInstanceConfig } from './instance-config.js';

const PLUGIN = 'barman-cloud.cloudnative-pg.io';
const configuration = {
  destinationPath: 's3://backups/',
  endpointURL: 'http://127.0.0.1:9000',
  s3Credentials: { accessKeyId: { name: 'minio', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 'minio', key: 'ACCESS_SECRET_KEY' } },
  wal: { compression: 'gzip', maxParallel: 8 },
};

function objectStore(name: string, spec: Record<string, unknown> = { configuration, retentionPolicy: '30d' }): ObjectStore {
  return validateObject({ apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name }, spec }).resource as unknown as ObjectStore;
}

const stores = (...list: ObjectStore[]) => new Map(list.map((s) => [s.metadata.name, s]));
const pluginCluster = (parameters: Record<string, string>, extra: Record<string, unknown> = {}) =>
  fixture('Cluster', { instances: 1, plugins: [{ name: PLUGIN, isWALArchiver: true, parameters }], ...extra }, { name: 'pg' });
const inTreeCluster = (serverName?: string) => fixture('Cluster', { instances: 1, backup: { barmanObjectStore: { ...configuration, ...(serverName ? { serverName } : {}) }, retentionPolicy: '30d' } }, { name: 'pg' });

test('the plugin form archives where the in-tree form with the same settings does: same folder, same retention', () => {
  const { cluster, missing, archive } = resolvePluginStores(pluginCluster({ barmanObjectName: 'store' }), stores(objectStore('store')));
  assert.deepEqual(missing, []);
  assert.deepEqual(archive, { objectStore: 'store', serverName: 'pg' });
  assert.deepEqual(archiveStore(cluster), archiveStore(inTreeCluster()));
  assert.equal(cluster.spec.backup?.retentionPolicy, '30d');
  assert.equal(cluster.spec.backup?.target, 'prefer-standby');
  assert.deepEqual(cluster.spec.backup?.barmanObjectStore?.s3Credentials, configuration.s3Credentials);
});

test("the ObjectStore's retentionPolicyIntervalSeconds reaches the instances; the plugin's 0 without instanceSidecarConfiguration; nothing in the in-tree form", () => {
  const configFor = (cluster: Parameters<typeof desiredInstanceConfig>[0]) => desiredInstanceConfig(cluster, 'pg-1', { primary: 'pg-1', instances: ['pg-1'] }, 16);
  const every = (seconds?: number) => resolvePluginStores(pluginCluster({ barmanObjectName: 'store' }), stores(objectStore('store', { configuration, retentionPolicy: '30d', instanceSidecarConfiguration: seconds === undefined ? {} : { retentionPolicyIntervalSeconds: seconds } }))).cluster;
  assert.equal(configFor(every(600)).retentionIntervalSeconds, 600);
  assert.equal(configFor(every()).retentionIntervalSeconds, 1800, "the plugin CRD's default");
  assert.equal(configFor(resolvePluginStores(pluginCluster({ barmanObjectName: 'store' }), stores(objectStore('store'))).cluster).retentionIntervalSeconds, 0);
  const inTree = configFor(inTreeCluster());
  assert.equal(inTree.retentionPolicy, '30d');
  assert.ok(!('retentionIntervalSeconds' in inTree), 'the in-tree configuration (and its hash) is unchanged');
});

test('the serverName parameter picks the folder, as barmanObjectStore.serverName does', () => {
  const { cluster } = resolvePluginStores(pluginCluster({ barmanObjectName: 'store', serverName: 'pg-v2' }), stores(objectStore('store')));
  assert.deepEqual(archiveStore(cluster), archiveStore(inTreeCluster('pg-v2')));
});

test("a Cluster's own backup target is kept beside the ObjectStore's settings", () => {
  const { cluster } = resolvePluginStores(pluginCluster({ barmanObjectName: 'store' }, { backup: { target: 'primary' } }), stores(objectStore('store')));
  assert.equal(cluster.spec.backup?.target, 'primary');
});

test('a missing ObjectStore archives nowhere and is named with the field that names it', () => {
  const given = pluginCluster({ barmanObjectName: 'gone' });
  const { cluster, missing, archive } = resolvePluginStores(given, stores(objectStore('store')));
  assert.equal(archiveStore(cluster), undefined);
  assert.equal(archive, undefined);
  assert.deepEqual(missing, [{ field: 'spec.plugins[0].parameters.barmanObjectName', name: 'gone' }]);
  assert.deepEqual(heldArchive(cluster), { archiveHeld: 'ObjectStore gone does not exist' }, 'the instances keep their WAL meanwhile');
  assert.deepEqual(heldArchive(resolvePluginStores(given, stores(objectStore('gone'))).cluster), {});
  assert.deepEqual(heldArchive(inTreeCluster()), {});
  const status = withMissingArchiveCondition({ conditions: [{ type: 'ContinuousArchiving', status: 'True', reason: 'ContinuousArchivingSuccess', message: '', lastTransitionTime: 't0' }] }, {}, missing, 'ns', 't1');
  const continuous = status.conditions?.filter((c) => c.type === 'ContinuousArchiving');
  assert.equal(continuous?.length, 1);
  assert.equal(continuous?.[0]?.status, 'False');
  assert.equal(continuous?.[0]?.reason, 'ObjectStoreNotFound');
  assert.match(continuous?.[0]?.message ?? '', /ObjectStore gone \(spec\.plugins\[0\]\.parameters\.barmanObjectName\) does not exist in namespace ns/);
});

test('a recovery source through externalClusters[].plugin reads the ObjectStore, in the folder serverName names', () => {
  const restoring = fixture('Cluster', {
    instances: 1,
    bootstrap: { recovery: { source: 'source', recoveryTarget: { targetTime: '2026-12-06 08:00:00+00' } } },
    externalClusters: [{ name: 'source', plugin: { name: PLUGIN, parameters: { barmanObjectName: 'store', serverName: 'pg' } } }],
  }, { name: 'restored' });
  assert.deepEqual(objectStoreNames(restoring), ['store']);
  const { cluster } = resolvePluginStores(restoring, stores(objectStore('store')));
  const recovery = recoveryBootstrap(cluster);
  assert.ok(!('error' in recovery), JSON.stringify(recovery));
  assert.deepEqual(recovery.source, archiveStore(inTreeCluster()));
  assert.equal(recovery.target?.targetTime, '2026-12-06 08:00:00+00');
});

/** Cluster `restored`, recovering from external cluster `source` through the plugin with these parameters. */
const restoringFrom = (parameters: Record<string, string>) =>
  fixture('Cluster', { instances: 1, bootstrap: { recovery: { source: 'source' } }, externalClusters: [{ name: 'source', plugin: { name: PLUGIN, parameters } }] }, { name: 'restored' });

test("without serverName the plugin reads a source from the recovering Cluster's own folder", () => {
  const recovery = recoveryBootstrap(resolvePluginStores(restoringFrom({ barmanObjectName: 'store' }), stores(objectStore('store'))).cluster);
  assert.ok(!('error' in recovery));
  assert.equal(recovery.source.serverName, 'restored');
});

test('a missing recovery ObjectStore is a recovery error naming it', () => {
  const { cluster, missing } = resolvePluginStores(restoringFrom({ barmanObjectName: 'gone' }), stores());
  assert.deepEqual(missing, [{ field: 'spec.externalClusters[0].plugin.parameters.barmanObjectName', name: 'gone' }]);
  assert.match((recoveryBootstrap(cluster) as { error: string }).error, /ObjectStore gone .* does not exist/);
});

test('a replica cluster follows a plugin source as it follows a barmanObjectStore one', () => {
  const replica = fixture('Cluster', {
    instances: 1,
    bootstrap: { recovery: { source: 'source' } },
    replica: { enabled: true, source: 'source' },
    externalClusters: [{ name: 'source', plugin: { name: PLUGIN, parameters: { barmanObjectName: 'store', serverName: 'pg' } } }],
  }, { name: 'replica' });
  const inTree = fixture('Cluster', {
    instances: 1,
    bootstrap: { recovery: { source: 'source' } },
    replica: { enabled: true, source: 'source' },
    externalClusters: [{ name: 'source', barmanObjectStore: { ...configuration, serverName: 'pg' } }],
  }, { name: 'replica' });
  const resolved = resolvePluginStores(replica, stores(objectStore('store'))).cluster;
  assert.deepEqual(replicaClusterConfig(resolved, true), replicaClusterConfig(inTree, true));
});

test('a Cluster without the plugin form is returned as it is, without reading anything', async () => {
  const cluster = inTreeCluster();
  const read: string[] = [];
  const result = await withPluginStores({ get: async (kind, _ns, name) => (read.push(`${kind}/${name}`), undefined) }, cluster);
  assert.equal(result.cluster, cluster);
  assert.deepEqual(read, []);
});

test('withPluginStores reads the named ObjectStores from the Cluster namespace', async () => {
  const read: string[] = [];
  const store = objectStore('store');
  const result = await withPluginStores({ get: async (kind, ns, name) => (read.push(`${kind}/${ns}/${name}`), name === 'store' ? (store as never) : undefined) }, pluginCluster({ barmanObjectName: 'store' }));
  assert.deepEqual(read, ['ObjectStore/default/store']);
  assert.equal(result.cluster.spec.backup?.barmanObjectStore?.destinationPath, 's3://backups/');
});

test("the ObjectStore's serverRecoveryWindow follows the catalog figures, per server folder", () => {
  const window = recoveryWindow({ firstRecoverabilityPoint: '2026-12-06T08:00:00.000Z', lastSuccessfulBackup: '2026-12-06T08:00:00.000Z' });
  assert.deepEqual(window, { firstRecoverabilityPoint: '2026-12-06T08:00:00.000Z', lastSuccessfulBackupTime: '2026-12-06T08:00:00.000Z' });
  assert.equal(recoveryWindow({}), undefined);
  const stored = { ...objectStore('store'), status: { serverRecoveryWindow: { other: { firstRecoverabilityPoint: 'x' } } } };
  assert.deepEqual(objectStoreStatusUpdate(stored, 'pg', window), { serverRecoveryWindow: { other: { firstRecoverabilityPoint: 'x' }, pg: window } });
  assert.equal(objectStoreStatusUpdate({ ...stored, status: { serverRecoveryWindow: { pg: window! } } }, 'pg', window), undefined);
});
