import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/meta.js';
import type { ResourceStore } from './platform.js';
import { resolveStoreSecrets } from './store-secrets.js';

function storeWith(secrets: Record<string, Record<string, string>>): ResourceStore {
  const get = (kind: string, _ns: string | undefined, name: string): Promise<KubeObject | undefined> => {
    const data = secrets[name];
    return Promise.resolve(kind === 'Secret' && data
      ? ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } as KubeObject)
      : undefined);
  };
  const unused = () => Promise.reject(new Error('not used'));
  return { get, list: unused, put: unused, patchMetadata: unused, updateStatus: unused, delete: unused } as ResourceStore;
}

const ref = (name: string, key: string) => ({ name, key });

test('Azure credentials come from the Secrets the store names, one method each', async () => {
  const store = storeWith({ az: { ACCOUNT: 'acct', KEY: 'a2V5', SAS: 'sv=1&sig=x', CS: 'DefaultEndpointsProtocol=https;AccountName=acct' } });
  const f = 'spec.backup.barmanObjectStore';
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { azureCredentials: { storageAccount: ref('az', 'ACCOUNT'), storageKey: ref('az', 'KEY') } }, f)).azure, { storageAccount: 'acct', storageKey: 'a2V5' });
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { azureCredentials: { storageAccount: ref('az', 'ACCOUNT'), storageSasToken: ref('az', 'SAS') } }, f)).azure, { storageAccount: 'acct', storageSasToken: 'sv=1&sig=x' });
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { azureCredentials: { connectionString: ref('az', 'CS') } }, f)).azure, { connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct' });
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { azureCredentials: { inheritFromAzureAD: true } }, f)).azure, { inheritIdentity: true });
  await assert.rejects(resolveStoreSecrets(store, 'ns', { azureCredentials: { storageAccount: ref('az', 'ACCOUNT'), storageKey: ref('az', 'NOPE') } }, f), /spec\.backup\.barmanObjectStore\.azureCredentials\.storageKey: secret az has no key "NOPE"/);
});

test('Google credentials: the key file from a Secret, or the GKE identity', async () => {
  const store = storeWith({ gcs: { json: '{"client_email":"a@b","private_key":"k"}' } });
  const f = 'bootstrap.recovery';
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { googleCredentials: { applicationCredentials: ref('gcs', 'json') } }, f)).google, { applicationCredentials: '{"client_email":"a@b","private_key":"k"}' });
  assert.deepEqual((await resolveStoreSecrets(store, 'ns', { googleCredentials: { gkeEnvironment: true } }, f)).google, { gkeEnvironment: true });
  await assert.rejects(resolveStoreSecrets(store, 'ns', { googleCredentials: { applicationCredentials: ref('missing', 'json') } }, f), /bootstrap\.recovery\.googleCredentials\.applicationCredentials: secret missing does not exist/);
});
