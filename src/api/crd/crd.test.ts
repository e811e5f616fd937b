import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customResourceDefinitions, type CustomResourceDefinition } from './crd.js';

const crds = new Map(customResourceDefinitions().map((crd) => [crd.spec.names.kind, crd]));

function crd(kind: string): CustomResourceDefinition {
  const found = crds.get(kind);
  assert.ok(found, `no CRD for ${kind}`);
  return found;
}

function version(kind: string) {
  const [v1] = crd(kind).spec.versions;
  assert.ok(v1);
  return v1;
}

/** The schema node at a dotted path of property names. */
function node(kind: string, path: string): Record<string, unknown> {
  let current = version(kind).schema.openAPIV3Schema;
  for (const name of path.split('.')) {
    const next = (current['properties'] as Record<string, Record<string, unknown>> | undefined)?.[name];
    assert.ok(next, `${kind}: no ${path}`);
    current = next;
  }
  return current;
}

const rules = (kind: string, path: string) =>
  ((node(kind, path)['x-kubernetes-validations'] ?? []) as { rule: string }[]).map((entry) => entry.rule);

test('names, scope and categories', () => {
  const expected = [
    ['Cluster', 'clusters', 'pgcluster', 'Namespaced'],
    ['Backup', 'backups', 'pgbackup', 'Namespaced'],
    ['ScheduledBackup', 'scheduledbackups', 'pgschedule', 'Namespaced'],
    ['Pooler', 'poolers', 'pgpooler', 'Namespaced'],
    ['Database', 'databases', undefined, 'Namespaced'],
    ['ImageCatalog', 'imagecatalogs', 'pgcatalog', 'Namespaced'],
    ['ClusterImageCatalog', 'clusterimagecatalogs', 'pgclustercatalog', 'Cluster'],
    // CloudNativePG gives these no short name.
    ['Publication', 'publications', undefined, 'Namespaced'],
    ['Subscription', 'subscriptions', undefined, 'Namespaced'],
    // The Barman Cloud plugin's kind, in its own group.
    ['ObjectStore', 'objectstores', undefined, 'Namespaced', 'barmancloud.cnpg.io'],
  ];
  assert.equal(crds.size, expected.length);
  for (const [kind = '', plural, shortName, scope, group = 'postgresql.cnpg.io'] of expected) {
    const { metadata, spec } = crd(kind);
    assert.equal(metadata.name, `${plural}.${group}`);
    assert.equal(spec.group, group);
    assert.equal(spec.scope, scope);
    assert.deepEqual(spec.names.shortNames, shortName === undefined ? [] : [shortName]);
    assert.deepEqual(spec.names.categories, ['cnpg']);
    assert.deepEqual(
      spec.versions.map(({ name, served, storage }) => ({ name, served, storage })),
      [{ name: 'v1', served: true, storage: true }],
    );
  }
});

test('printer columns follow CloudNativePG', () => {
  const columns = (kind: string) => version(kind).additionalPrinterColumns.map((column) => `${column.name}=${column.jsonPath}`);
  assert.deepEqual(columns('Cluster'), [
    'Age=.metadata.creationTimestamp',
    'Instances=.status.instances',
    'Ready=.status.readyInstances',
    'Status=.status.phase',
    'Primary=.status.currentPrimary',
  ]);
  assert.deepEqual(columns('Backup').slice(1), ['Cluster=.spec.cluster.name', 'Method=.spec.method', 'Phase=.status.phase', 'Error=.status.error']);
  assert.deepEqual(columns('ScheduledBackup').slice(1), ['Cluster=.spec.cluster.name', 'Last Backup=.status.lastScheduleTime']);
  assert.deepEqual(columns('Pooler').slice(1), ['Cluster=.spec.cluster.name', 'Type=.spec.type', 'Phase=.status.phase']);
  assert.deepEqual(columns('ImageCatalog'), ['Age=.metadata.creationTimestamp']);
});

test('status is a subresource holding whatever the operator writes', () => {
  for (const kind of ['Cluster', 'Backup', 'ScheduledBackup', 'Pooler']) {
    assert.deepEqual(version(kind).subresources?.['status'], {});
    assert.equal(node(kind, 'status')['x-kubernetes-preserve-unknown-fields'], true);
  }
  assert.deepEqual(node('Cluster', 'status'), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  assert.equal(version('ImageCatalog').subresources, undefined);
  assert.deepEqual(version('Cluster').subresources?.['scale'], {
    specReplicasPath: '.spec.instances',
    statusReplicasPath: '.status.instances',
    labelSelectorPath: '.status.selector',
  });
  assert.deepEqual(version('Pooler').subresources?.['scale'], { specReplicasPath: '.spec.instances', statusReplicasPath: '.status.instances' });
});

test("a Pooler's status has CloudNativePG's typed fields", () => {
  assert.equal(node('Pooler', 'status.instances')['type'], 'integer');
  assert.deepEqual(node('Pooler', 'status.phase')['enum'], ['active', 'paused', 'inactive', 'failed']);
  assert.equal(node('Pooler', 'status.phaseReason')['type'], 'string');
  assert.equal(node('Pooler', 'status.secrets.serverCA.version')['type'], 'string');
  assert.equal(node('Pooler', 'status.secrets.pgBouncerSecrets.authQuery.name')['type'], 'string');
});

test('immutability and mutual exclusion rules sit on the right fields', () => {
  assert.deepEqual(rules('Backup', 'spec'), ['oldSelf == self']);
  assert.deepEqual(rules('ScheduledBackup', 'spec.cluster'), ['self == oldSelf']);
  assert.deepEqual(rules('Pooler', 'spec.cluster'), ['self == oldSelf']);
  assert.match(rules('Cluster', 'spec.bootstrap')[0] ?? '', /has\(self\.initdb\).*has\(self\.recovery\).*has\(self\.pg_basebackup\)/);
  assert.match(rules('Cluster', 'spec.bootstrap.recovery.recoveryTarget')[0] ?? '', /targetXID.*targetImmediate/);
  assert.ok(rules('Cluster', 'spec').includes('!(has(self.imageName) && has(self.imageCatalogRef))'));
});

test('Kubernetes-native blobs and quantities', () => {
  assert.equal(node('Cluster', 'spec.affinity.nodeAffinity')['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(node('Pooler', 'spec.template')['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(node('Cluster', 'spec.storage.size')['x-kubernetes-int-or-string'], true);
  const requests = node('Cluster', 'spec.resources.requests')['additionalProperties'] as Record<string, unknown>;
  assert.equal(requests['x-kubernetes-int-or-string'], true);
});

test('scalar defaults are kept and match zod, object defaults are not', () => {
  assert.equal(node('Cluster', 'spec.instances')['default'], 1);
  assert.equal(node('Backup', 'spec.method')['default'], 'barmanObjectStore');
  assert.equal(node('Cluster', 'spec.bootstrap')['default'], undefined);
});
