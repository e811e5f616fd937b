import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture } from '../api/testing.js';
import { archiveStore, recoveryBootstrap } from './stores.js';

const s3 = { destinationPath: 's3://b/p', endpointURL: 'http://x', s3Credentials: { accessKeyId: { name: 'c', key: 'A' }, secretAccessKey: { name: 'c', key: 'B' } }, wal: { compression: 'gzip', maxParallel: 4 } };
const cluster = (spec: Record<string, unknown>) => fixture('Cluster', { instances: 1, ...spec }, { name: 'new' });

test('the archive store defaults serverName to the cluster name and barman’s two data jobs', () => {
  assert.deepEqual(archiveStore(cluster({ backup: { barmanObjectStore: s3 } })), {
    destinationPath: 's3://b/p',
    serverName: 'new',
    endpointURL: 'http://x',
    walCompression: 'gzip',
    walMaxParallel: 4,
    walPrefetch: 4,
    dataCompression: undefined,
    dataJobs: 2,
    immediateCheckpoint: false,
  });
  assert.equal(archiveStore(cluster({})), undefined);
});

test('recovery reads the external cluster’s store, in a folder named after it unless serverName says otherwise', () => {
  const r = recoveryBootstrap(cluster({ bootstrap: { recovery: { source: 'old', database: 'app', recoveryTarget: { targetTime: '2024-01-15 13:41:00+00', exclusive: false } } }, externalClusters: [{ name: 'old', barmanObjectStore: s3 }] }));
  assert.ok(!('error' in r));
  assert.equal(r.source.serverName, 'old');
  assert.equal(r.source.walMaxParallel, 4);
  assert.equal(r.source.walPrefetch, 4);
  // Without wal.maxParallel: archiving one at a time (CloudNativePG's default), prefetch left to the instance's cores.
  const unset = recoveryBootstrap(cluster({ bootstrap: { recovery: { source: 'old' } }, externalClusters: [{ name: 'old', barmanObjectStore: { ...s3, wal: { compression: 'gzip' } } }] }));
  assert.ok(!('error' in unset) && unset.source.walMaxParallel === 1 && !('walPrefetch' in unset.source));
  assert.equal(r.owner, 'app');
  assert.equal(r.target?.targetTime, '2024-01-15 13:41:00+00');
  const named = recoveryBootstrap(cluster({ bootstrap: { recovery: { source: 'old', database: 'app' } }, externalClusters: [{ name: 'old', barmanObjectStore: { ...s3, serverName: 'legacy' } }] }));
  assert.ok(!('error' in named) && named.source.serverName === 'legacy');
});

test('recovery from a named Backup uses where that Backup went and its backupId', () => {
  const c = cluster({ bootstrap: { recovery: { backup: { name: 'nightly' }, database: 'app' } } });
  assert.match((recoveryBootstrap(c) as { error: string }).error, /Backup nightly .* does not exist or has not completed/);
  const r = recoveryBootstrap(c, { destinationPath: 's3://b/p', serverName: 'old', backupId: '20261123T020000' });
  assert.ok(!('error' in r));
  assert.equal(r.target?.backupID, '20261123T020000');
  assert.equal(r.source.serverName, 'old');
});

test('a recovery source that is not an object store is an error, not a guess', () => {
  // Validation refuses both; the operator does not rely on it.
  const valid = () => cluster({ bootstrap: { recovery: { source: 'old', database: 'app' } }, externalClusters: [{ name: 'old', barmanObjectStore: s3 }] });
  const missing = valid();
  missing.spec.bootstrap!.recovery!.source = 'nope';
  assert.match((recoveryBootstrap(missing) as { error: string }).error, /not among spec\.externalClusters/);
  const noStore = valid();
  noStore.spec.externalClusters = [{ name: 'old', connectionParameters: { host: 'x' } }];
  assert.match((recoveryBootstrap(noStore) as { error: string }).error, /no barmanObjectStore/);
});
