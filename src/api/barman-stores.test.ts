import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notActedOn } from './support.js';
import { validateObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';

const s3 = { destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true } };
const azure = { destinationPath: 'https://acct.blob.core.windows.net/c/p', azureCredentials: { connectionString: { name: 's', key: 'k' } } };
const gcs = { destinationPath: 'gs://b/p', googleCredentials: { gkeEnvironment: true } };

const rejected: [Record<string, unknown>, string][] = [
  [{ ...azure, data: { encryption: 'AES256' } }, 'spec.backup.barmanObjectStore.data.encryption: server-side encryption (AES256, aws:kms) is an S3 setting; https:// stores encrypt'],
  [{ ...gcs, wal: { encryption: 'aws:kms' } }, 'spec.backup.barmanObjectStore.wal.encryption: server-side encryption (AES256, aws:kms) is an S3 setting; gs:// stores'],
  [{ destinationPath: 'file:///var/backups', wal: { encryption: 'AES256' } }, 'spec.backup.barmanObjectStore.wal.encryption: '],
  [{ destinationPath: 'file:///var/backups', tags: { a: 'b' } }, 'spec.backup.barmanObjectStore.tags: a file:// store keeps no tags'],
  [{ ...s3, wal: { encryption: 'aws:kms:other' } }, 'spec.backup.barmanObjectStore.wal.encryption: must be one of: AES256, aws:kms'],
  [{ ...s3, tags: { 'a&b': 'c' } }, 'spec.backup.barmanObjectStore.tags[a&b]: a tag key must be 1 to 128 letters'],
  [{ ...s3, historyTags: { kind: 'x\ny' } }, 'spec.backup.barmanObjectStore.historyTags.kind: a tag value must be at most 256'],
  [{ ...s3, tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'spec.backup.barmanObjectStore.tags: at most 10 tags per object'],
];

for (const [store, message] of rejected) {
  test(`refuses ${JSON.stringify(store).slice(0, 120)}`, () => {
    const lines = rejectionOf(clusterManifest({ backup: { barmanObjectStore: store } }));
    assert.ok(lines.some((line) => line.startsWith(`Cluster/pg: ${message}`)), lines.join('\n'));
  });
}

test('encryption, tags and Azure and Google credentials are acted on, not warned about', () => {
  for (const store of [{ ...s3, data: { encryption: 'AES256' }, wal: { encryption: 'aws:kms' }, tags: { team: 'db' }, historyTags: { kind: 'history' } }, azure, gcs]) {
    const manifest = clusterManifest({ backup: { barmanObjectStore: store }, externalClusters: [{ name: 'old', barmanObjectStore: store }] });
    validateObject(manifest);
    assert.deepEqual(notActedOn('Cluster', manifest).map((f) => f.path), []);
  }
});
