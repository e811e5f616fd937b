import { test } from 'node:test';
import assert from 'node:assert/strict';
import { updateIssues, validateObject, formatIssue, type KubeObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';

function cluster(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  const { resource } = validateObject(clusterManifest({ storage: { size: '10Gi' }, ...spec }));
  return status ? { ...resource, status } : resource;
}

const created = { latestGeneratedNode: 1, currentPrimary: 'pg-1' };
const problems = (old: KubeObject, next: KubeObject) => updateIssues(old, next).map(formatIssue);

test('an unchanged or growing Cluster may be updated', () => {
  const old = cluster({ instances: 3 }, created);
  assert.deepEqual(problems(old, cluster({ instances: 3 })), []);
  assert.deepEqual(problems(old, cluster({ instances: 5, storage: { size: '20Gi' } })), []);
});

test('storage, WAL storage and tablespaces cannot shrink or go away', () => {
  const old = cluster({ walStorage: { size: '2Gi' }, tablespaces: [{ name: 'idx', storage: { size: '1Gi' } }, { name: 'tmp', storage: { size: '1Gi' } }] }, created);
  assert.deepEqual(problems(old, cluster({ storage: { size: '5Gi' }, walStorage: { size: '2Gi' }, tablespaces: [{ name: 'idx', storage: { size: '1Gi' } }, { name: 'tmp', storage: { size: '1Gi' } }] })), [
    "Cluster/pg: spec.storage.size: cannot shrink the volume from 10Gi to 5Gi: PostgreSQL's data would not fit; keep 10Gi or a larger size",
  ]);
  const gone = problems(old, cluster({ tablespaces: [{ name: 'idx', storage: { size: '512Mi' } }] }));
  assert.equal(gone.length, 3);
  assert.match(gone[0] ?? '', /spec\.walStorage: walStorage cannot be removed/);
  assert.match(gone[1] ?? '', /spec\.tablespaces\[0\]\.storage\.size: cannot shrink the volume from 1Gi to 512Mi/);
  assert.match(gone[2] ?? '', /spec\.tablespaces\[1\]: tablespace "tmp" cannot be removed/);
  assert.match(problems(old, cluster({ walStorage: { size: '2Gi' } }))[0] ?? '', /spec\.tablespaces: tablespaces cannot be removed/);
});

test('the bootstrap method is fixed once an instance exists, and free before', () => {
  const spec = { bootstrap: { initdb: { database: 'shop', owner: 'shop' } } };
  const changed = cluster({ bootstrap: { initdb: { database: 'store', owner: 'store' } } });
  assert.match(problems(cluster(spec, created), changed)[0] ?? '', /^Cluster\/pg: spec\.bootstrap: bootstrap is used only when the cluster is created/);
  assert.deepEqual(problems(cluster(spec), changed), []);
  const recovery = cluster({ bootstrap: { recovery: { source: 'old' } }, externalClusters: [{ name: 'old', barmanObjectStore: { destinationPath: 's3://b/p' } }] });
  assert.equal(problems(cluster(spec, created), recovery).length, 1);
});

test('a newer major is an in-place upgrade (on both platforms: the rules do not depend on one); a downgrade and an upgrade below 16 are refused; UID, GID and slot prefix are fixed', () => {
  const old = cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.4' }, created);
  assert.deepEqual(problems(old, cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:15.8' })), [
    "Cluster/pg: spec.imageName: cannot go from PostgreSQL 16 to 15: the data is PostgreSQL 16's and a data directory cannot be downgraded; keep a PostgreSQL 16 image or name a newer major, or restore a backup into a new Cluster",
  ]);
  assert.deepEqual(problems(old, cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:17.2' })), []);
  assert.deepEqual(problems(old, cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.6' })), []);
  const catalog = (major: number) => ({ imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'pg', major } });
  assert.match(problems(cluster(catalog(14), created), cluster(catalog(15)))[0] ?? '', /^Cluster\/pg: spec\.imageCatalogRef\.major: cannot upgrade from PostgreSQL 14 to 15 in place: .* name PostgreSQL 16 or newer/);
  // The data's major, as the status records it, is what may not go down: going back after a failed upgrade is allowed.
  const failedUpgrade = cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16' }, { ...created, pgDataImageInfo: { image: 'ghcr.io/cloudnative-pg/postgresql:15', majorVersion: 15 } });
  assert.deepEqual(problems(failedUpgrade, cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:15' })), []);
  const upgraded = cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16' }, { ...created, pgDataImageInfo: { image: 'ghcr.io/cloudnative-pg/postgresql:17', majorVersion: 17 } });
  assert.match(problems(upgraded, cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.6' }))[0] ?? '', /cannot go from PostgreSQL 17 to 16/);
  assert.deepEqual(
    problems(cluster({}), cluster({ postgresUID: 1000, replicationSlots: { highAvailability: { slotPrefix: 'other_' } } })).map((p) => p.split(': ')[1]),
    ['spec.postgresUID', 'spec.replicationSlots.highAvailability.slotPrefix'],
  );
});

test('switchover updates change the image or the parameters, not both', () => {
  const old = cluster({ primaryUpdateMethod: 'switchover', imageName: 'ghcr.io/cloudnative-pg/postgresql:16.4' });
  const both = cluster({ primaryUpdateMethod: 'switchover', imageName: 'ghcr.io/cloudnative-pg/postgresql:16.6', postgresql: { parameters: { work_mem: '8MB' } } });
  assert.match(problems(old, both)[0] ?? '', /spec\.imageName: cannot change the image and PostgreSQL parameters \(work_mem\)/);
});

test('an object cannot move namespace; a Backup cannot change; schedules and poolers keep their cluster', () => {
  const old = cluster({});
  const moved = { ...old, metadata: { ...old.metadata, namespace: 'other' } };
  assert.match(problems(old, moved)[0] ?? '', /metadata\.namespace: metadata\.namespace cannot be changed/);
  const backup = (cluster: string, method = 'barmanObjectStore') => validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'b' }, spec: { cluster: { name: cluster }, method } }).resource;
  assert.match(problems(backup('a'), backup('b'))[0] ?? '', /^Backup\/b: spec: a Backup's spec cannot be changed/);
  const scheduled = (cluster: string, schedule: string) =>
    validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 's' }, spec: { cluster: { name: cluster }, schedule } }).resource;
  assert.deepEqual(problems(scheduled('a', '0 0 0 * * *'), scheduled('a', '0 0 1 * * *')), []);
  assert.match(problems(scheduled('a', '0 0 0 * * *'), scheduled('b', '0 0 0 * * *'))[0] ?? '', /spec\.cluster: cluster cannot be changed/);
});

test('instances are bounded by the primary\'s WAL senders and slots, and by a ceiling', () => {
  assert.match(rejectionOf(clusterManifest({ storage: { size: '1Gi' }, instances: 1000000 }))[0] ?? '', /spec\.instances: must be at most 100/);
  assert.match(rejectionOf(clusterManifest({ storage: { size: '1Gi' }, instances: 11 }))[0] ?? '', /11 instances need 10 WAL senders .* max_wal_senders is 10/);
  assert.doesNotThrow(() => validateObject(clusterManifest({ storage: { size: '1Gi' }, instances: 11, postgresql: { parameters: { max_wal_senders: '20' } } })));
  assert.match(
    rejectionOf(clusterManifest({ storage: { size: '1Gi' }, instances: 40, postgresql: { parameters: { max_wal_senders: '50' } } }))[0] ?? '',
    /40 instances need 39 replication slots .* max_replication_slots is 32/,
  );
});

test('the application owner cannot get its password from two Secrets', () => {
  const spec = (roleSecret: string) => ({
    storage: { size: '1Gi' },
    bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'app-creds' } } },
    managed: { roles: [{ name: 'app', login: true, passwordSecret: { name: roleSecret } }] },
  });
  assert.match(rejectionOf(clusterManifest(spec('other')))[0] ?? '', /spec\.managed\.roles\[0\]\.passwordSecret: role "app" is the application owner/);
  assert.doesNotThrow(() => validateObject(clusterManifest(spec('app-creds'))));
});
