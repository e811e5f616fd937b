import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTarget } from './store-target.js';

test('the instance joins a store with its Azure or Google secrets, its object policy and its timeout', () => {
  const spec = {
    destinationPath: 'https://acct.blob.core.windows.net/c/p',
    serverName: 'pg',
    walMaxParallel: 1,
    dataJobs: 2,
    immediateCheckpoint: false,
    objects: { tags: { team: 'db' } },
    readTimeoutSeconds: 90,
  };
  const target = storeTarget(spec, { azure: { storageAccount: 'acct', storageKey: 'a2V5' } });
  assert.deepEqual(target.azure, { storageAccount: 'acct', storageKey: 'a2V5' });
  assert.deepEqual(target.objects, { tags: { team: 'db' } });
  assert.equal(target.readTimeoutMs, 90_000);
  assert.deepEqual(storeTarget({ ...spec, destinationPath: 'gs://b/p' }, { google: { gkeEnvironment: true } }).google, { gkeEnvironment: true });
});
