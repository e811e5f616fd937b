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
  [{ ...s3, data: { additionalCommandArgs: ['--min-chunk-size=64MiB', '--max-bandwidth=10MB'] } }, 'spec.backup.barmanObjectStore.data.additionalCommandArgs[1]: --max-bandwidth is not accepted: uploads are not rate-limited'],
  [{ ...s3, wal: { archiveAdditionalCommandArgs: ['--gzip'] } }, 'spec.backup.barmanObjectStore.wal.archiveAdditionalCommandArgs[0]: --gzip is not accepted: set compression in wal.compression'],
  [{ ...s3, wal: { restoreAdditionalCommandArgs: ['--min-chunk-size=5MB'] } }, 'spec.backup.barmanObjectStore.wal.restoreAdditionalCommandArgs[0]: "--min-chunk-size=5MB" is not a barman-cloud-wal-restore flag cnpg-ts acts on; accepted: --read-timeout'],
  [{ ...s3, data: { restoreAdditionalCommandArgs: ['--read-timeout=0'] } }, 'spec.backup.barmanObjectStore.data.restoreAdditionalCommandArgs[0]: --read-timeout takes whole seconds from 1 to 3600'],
  [{ ...s3, data: { additionalCommandArgs: ['--min-chunk-size=6GiB'] } }, 'spec.backup.barmanObjectStore.data.additionalCommandArgs[0]: --min-chunk-size takes a size up to 5GiB'],
  [{ ...s3, data: { additionalCommandArgs: ['--read-timeout=60'] }, wal: { archiveAdditionalCommandArgs: ['--read-timeout=30'] } }, 'spec.backup.barmanObjectStore.wal.archiveAdditionalCommandArgs: --read-timeout=30 differs from --read-timeout=60'],
  [{ ...gcs, data: { additionalCommandArgs: ['--min-chunk-size=64MiB'] } }, 'spec.backup.barmanObjectStore.data.additionalCommandArgs: --min-chunk-size does not apply to Google Cloud Storage'],
  [{ ...s3, tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'spec.backup.barmanObjectStore.tags: at most 10 tags per object'],
];

for (const [store, message] of rejected) {
  test(`refuses ${JSON.stringify(store).slice(0, 120)}`, () => {
    const lines = rejectionOf(clusterManifest({ backup: { barmanObjectStore: store } }));
    assert.ok(lines.some((line) => line.startsWith(`Cluster/pg: ${message}`)), lines.join('\n'));
  });
}

test('encryption, tags and Azure and Google credentials are acted on, not warned about', () => {
  for (const store of [{ ...s3, data: { encryption: 'AES256', additionalCommandArgs: ['--min-chunk-size=64MiB', '--read-timeout=60'], restoreAdditionalCommandArgs: ['--read-timeout=60'] }, wal: { archiveAdditionalCommandArgs: ['--read-timeout=60'], restoreAdditionalCommandArgs: ['--read-timeout=60'] } }, { ...s3, data: { encryption: 'AES256' }, wal: { encryption: 'aws:kms' }, tags: { team: 'db' }, historyTags: { kind: 'history' } }, azure, gcs]) {
    const manifest = clusterManifest({ backup: { barmanObjectStore: store }, externalClusters: [{ name: 'old', barmanObjectStore: store }] });
    validateObject(manifest);
    assert.deepEqual(notActedOn('Cluster', manifest).map((f) => f.path), []);
  }
});

test('verbosity flags (the plugin sample passes -vv) are accepted and named as not acted on; a part size under 5 MiB means 5 MiB, as in barman-cloud', () => {
  const store = { ...s3, data: { additionalCommandArgs: ['--min-chunk-size=5MB', '--read-timeout=60', '-vv'] }, wal: { archiveAdditionalCommandArgs: ['-v'] } };
  const cluster = clusterManifest({ backup: { barmanObjectStore: store }, externalClusters: [{ name: 'old', barmanObjectStore: { ...s3, wal: { restoreAdditionalCommandArgs: ['--quiet'] } } }] });
  assert.deepEqual(validateObject(cluster).warnings, [
    'Cluster/pg: spec.backup.barmanObjectStore.data.additionalCommandArgs[2]: -vv is accepted and not acted on: the instance manager logs at spec.logLevel',
    'Cluster/pg: spec.backup.barmanObjectStore.wal.archiveAdditionalCommandArgs[0]: -v is accepted and not acted on: the instance manager logs at spec.logLevel',
    'Cluster/pg: spec.externalClusters[0].barmanObjectStore.wal.restoreAdditionalCommandArgs[0]: --quiet is accepted and not acted on: the instance manager logs at spec.logLevel',
  ]);
  const objectStore = { apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'os' }, spec: { configuration: { ...s3, data: { additionalCommandArgs: ['-vv'] } } } };
  assert.deepEqual(validateObject(objectStore).warnings, ['ObjectStore/os: spec.configuration.data.additionalCommandArgs[0]: -vv is accepted and not acted on: the instance manager logs at spec.logLevel']);
});
