import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeSpec } from './stores.js';

test('encryption, tags and the flags cnpg-ts maps reach the instance manager with the store', () => {
  const spec = storeSpec(
    {
      destinationPath: 's3://b/p',
      s3Credentials: { inheritFromIAMRole: true },
      data: { encryption: 'AES256', immediateCheckpoint: false, additionalCommandArgs: ['--min-chunk-size=64MiB', '--read-timeout=90'] },
      wal: { encryption: 'aws:kms' },
      tags: { team: 'db' },
      historyTags: { kind: 'history' },
    },
    'pg',
  );
  assert.deepEqual(spec.objects, { walEncryption: 'aws:kms', dataEncryption: 'AES256', tags: { team: 'db' }, historyTags: { kind: 'history' }, dataPartSizeBytes: 64 * 1024 * 1024 });
  assert.equal(spec.readTimeoutSeconds, 90);
});

test('a store without them has no such fields, so its spec stays what it was', () => {
  const spec = storeSpec({ destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true } }, 'pg');
  assert.equal('objects' in spec, false);
  assert.equal('readTimeoutSeconds' in spec, false);
});
