import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { connectedSourceNames, externalSources, resolveExternalConnections, resolveExternalSecrets } from './external-clusters.js';
import { secretStore as storeWith } from './testing.js';

const external = [
  {
    name: 'source-db',
    connectionParameters: { host: 'source-db-rw', user: 'streaming_replica', sslmode: 'verify-full' },
    password: { name: 'source-db-replica-user', key: 'password' },
    sslCert: { name: 'source-db-replica-tls', key: 'tls.crt' },
    sslKey: { name: 'source-db-replica-tls', key: 'tls.key' },
    sslRootCert: { name: 'source-db-ca', key: 'ca.crt' },
  },
  { name: 'unused', connectionParameters: { host: 'other' }, password: { name: 'missing', key: 'password' } },
  { name: 'store-only', barmanObjectStore: { destinationPath: 'file:///tmp/x' } },
];

const clone = fixture('Cluster', { instances: 1, storage: { size: '1Gi' }, bootstrap: { pg_basebackup: { source: 'source-db' } }, externalClusters: external });
const secrets = {
  'source-db-replica-user': { password: 's3cret' },
  'source-db-replica-tls': { 'tls.crt': 'CERT', 'tls.key': 'KEY' },
  'source-db-ca': { 'ca.crt': 'CA' },
};

test('only the external clusters the bootstrap or replica section names are handed out, and only those that say how to connect', () => {
  assert.deepEqual(connectedSourceNames(clone), ['source-db']);
  assert.deepEqual(externalSources(clone), [{ name: 'source-db', params: { host: 'source-db-rw', user: 'streaming_replica', sslmode: 'verify-full' } }]);
  const importing = fixture('Cluster', {
    instances: 1,
    storage: { size: '1Gi' },
    bootstrap: { initdb: { import: { type: 'microservice', databases: ['app'], source: { externalCluster: 'unused' } } } },
    replica: { enabled: true, source: 'store-only' },
    externalClusters: external,
  });
  assert.deepEqual(connectedSourceNames(importing), ['unused', 'store-only']);
  assert.deepEqual(externalSources(importing).map((s) => s.name), ['unused']);
  assert.deepEqual(externalSources(fixture('Cluster', { instances: 1, storage: { size: '1Gi' } })), []);
});

test("the Secrets' values are read from the store, by external cluster name", async () => {
  assert.deepEqual(await resolveExternalSecrets(storeWith(secrets), clone), { 'source-db': { password: 's3cret', sslCert: 'CERT', sslKey: 'KEY', sslRootCert: 'CA' } });
  assert.deepEqual(await resolveExternalConnections(storeWith(secrets), clone), [
    { name: 'source-db', params: { host: 'source-db-rw', user: 'streaming_replica', sslmode: 'verify-full' }, password: 's3cret', sslCert: 'CERT', sslKey: 'KEY', sslRootCert: 'CA' },
  ]);
});

test('a missing Secret or key names the field path', async () => {
  await assert.rejects(resolveExternalSecrets(storeWith({ ...secrets, 'source-db-ca': {} }), clone), /spec\.externalClusters\[0\]\.sslRootCert: secret source-db-ca has no key "ca\.crt"/);
  const { 'source-db-replica-user': _gone, ...rest } = secrets;
  await assert.rejects(resolveExternalSecrets(storeWith(rest), clone), /spec\.externalClusters\[0\]\.password: secret source-db-replica-user does not exist/);
});

test('no Secrets named: nothing in the credentials, so their hash stays what it was', async () => {
  const plain = fixture('Cluster', { instances: 1, storage: { size: '1Gi' }, bootstrap: { pg_basebackup: { source: 'p' } }, externalClusters: [{ name: 'p', connectionParameters: { host: 'h' } }] });
  assert.equal(await resolveExternalSecrets(storeWith({}), plain), undefined);
});

test("after the first primary exists, a bootstrap source's missing Secret no longer stops reconciling; a replica source's still does", async () => {
  const { 'source-db-replica-user': _gone, ...rest } = secrets;
  const bootstrapped = { ...clone, status: { currentPrimary: 'pg-1' } } as typeof clone;
  assert.deepEqual(await resolveExternalSecrets(storeWith(rest), bootstrapped), { 'source-db': { sslCert: 'CERT', sslKey: 'KEY', sslRootCert: 'CA' } });
  const replica = fixture('Cluster', { instances: 1, storage: { size: '1Gi' }, replica: { enabled: true, source: 'source-db' }, externalClusters: external });
  await assert.rejects(resolveExternalSecrets(storeWith(rest), { ...replica, status: { currentPrimary: 'pg-1' } } as typeof replica), /spec\.externalClusters\[0\]\.password: secret source-db-replica-user does not exist/);
});
