import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';
import { repoRoot } from './repo-root.js';

const objectStore = (spec: Record<string, unknown>) => ({ apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'store' }, spec });
const configuration = { destinationPath: 's3://backups/', s3Credentials: { accessKeyId: { name: 'c', key: 'A' }, secretAccessKey: { name: 'c', key: 'B' } } };

test("the plugin's own sample ObjectStore is accepted; its sidecar settings but the retention interval are named as not acted on", () => {
  const sample = parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'barman-cloud-plugin', 'minio-store.yaml'), 'utf8'));
  const { resource, warnings } = validateObject(sample);
  assert.equal(resource.kind, 'ObjectStore');
  assert.equal(resource.metadata.namespace, 'default');
  for (const field of ['logLevel', 'resources']) {
    assert.ok(warnings.some((w) => w.includes(`spec.instanceSidecarConfiguration.${field}`)), `${field} in ${warnings.join('\n')}`);
  }
  assert.ok(!warnings.some((w) => w.includes('retentionPolicyIntervalSeconds')), 'the retention interval is acted on');
});

test('an ObjectStore refuses serverName with its field path, and says where it goes', () => {
  const [issue, ...rest] = rejectionOf(objectStore({ configuration: { ...configuration, serverName: 'x' } }));
  assert.deepEqual(rest, []);
  assert.match(issue ?? '', /^ObjectStore\/store: spec\.configuration\.serverName: .*plugin parameter serverName on the Cluster/);
});

test('an ObjectStore checks its configuration as barmanObjectStore does, and its retention policy', () => {
  assert.match(rejectionOf(objectStore({ configuration: { destinationPath: 'ftp://x' } })).join('\n'), /spec\.configuration\.destinationPath/);
  assert.match(rejectionOf(objectStore({ configuration, retentionPolicy: '30 days' })).join('\n'), /spec\.retentionPolicy/);
  assert.match(rejectionOf(objectStore({ configuration, instanceSidecarConfiguration: { additionalContainerArgs: ['--log-level=debug'] } })).join('\n'), /spec\.instanceSidecarConfiguration\.additionalContainerArgs\[0\]: do not set --log-level/);
  assert.match(rejectionOf({ ...objectStore({ configuration }), apiVersion: 'postgresql.cnpg.io/v1' }).join('\n'), /apiVersion.*barmancloud\.cnpg\.io\/v1/);
});

const plugin = (parameters: Record<string, string>, extra: Record<string, unknown> = {}) => ({ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters, ...extra });

test('a Cluster takes the Barman Cloud plugin as its WAL archiver, without a warning', () => {
  const { warnings } = validateObject(clusterManifest({ instances: 1, plugins: [plugin({ barmanObjectName: 'store', serverName: 'pg-a' })] }));
  assert.deepEqual(warnings, []);
});

test('any other plugin is refused with its field path and the one allowed name', () => {
  const issues = rejectionOf(clusterManifest({ instances: 1, plugins: [{ name: 'example.com/other' }] }));
  assert.deepEqual(issues.length, 1);
  assert.match(issues[0] ?? '', /spec\.plugins\[0\]\.name: unknown plugin "example\.com\/other".*\(allowed: barman-cloud\.cloudnative-pg\.io\)/);
  const external = rejectionOf(clusterManifest({ instances: 1, externalClusters: [{ name: 'src', plugin: { name: 'other' } }] }));
  assert.match(external.join('\n'), /spec\.externalClusters\[0\]\.plugin\.name: unknown plugin/);
  const backup = rejectionOf({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'b' }, spec: { cluster: { name: 'pg' }, method: 'plugin', pluginConfiguration: { name: 'other' } } });
  assert.match(backup.join('\n'), /spec\.pluginConfiguration\.name: unknown plugin "other".*allowed: barman-cloud\.cloudnative-pg\.io/);
});

test('the plugin needs barmanObjectName, takes only its own parameters, and archives WAL', () => {
  assert.match(rejectionOf(clusterManifest({ instances: 1, plugins: [plugin({})] })).join('\n'), /spec\.plugins\[0\]\.parameters\.barmanObjectName: the Barman Cloud plugin needs/);
  assert.match(rejectionOf(clusterManifest({ instances: 1, plugins: [plugin({ barmanObjectName: 's', bucket: 'x' })] })).join('\n'), /spec\.plugins\[0\]\.parameters\.bucket: .*takes no parameter "bucket" \(allowed: barmanObjectName, serverName\)/);
  assert.match(rejectionOf(clusterManifest({ instances: 1, plugins: [plugin({ barmanObjectName: 's' }, { isWALArchiver: false })] })).join('\n'), /spec\.plugins\[0\]\.isWALArchiver: /);
  const both = { name: 'src', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 's' } }, barmanObjectStore: configuration };
  assert.match(rejectionOf(clusterManifest({ instances: 1, externalClusters: [both] })).join('\n'), /spec\.externalClusters\[0\]\.plugin: only one of barmanObjectStore, plugin/);
});

test('a Backup with method plugin names the Barman Cloud plugin, without a warning', () => {
  const { warnings } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'b' }, spec: { cluster: { name: 'pg' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } } });
  assert.deepEqual(warnings, []);
});

test("the plugin's sample Cluster, Backup and restoring Cluster are accepted on Kubernetes without a warning", () => {
  for (const file of ['cluster-example.yaml', 'backup-example.yaml', 'cluster-restore.yaml']) {
    const { warnings } = validateObject(parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'barman-cloud-plugin', file), 'utf8')), 'kubernetes');
    assert.deepEqual(warnings, [], file);
  }
});
