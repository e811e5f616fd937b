import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, isCluster, isNamespace, parseManifests, validateObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';

const cluster = (name: string, extra = '') => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 2
${extra}`;

test('multi-document YAML: empty documents and comments are skipped', () => {
  const text = `---\n# nothing here\n---\n${cluster('a')}---\n---\n${cluster('b')}`;
  const { resources, warnings } = parseManifests(text);
  assert.deepEqual(resources.map((resource) => resource.metadata.name), ['a', 'b']);
  assert.deepEqual(warnings, []);
});

test('an empty input yields nothing', () => {
  assert.deepEqual(parseManifests(''), { resources: [], warnings: [] });
});

test('YAML syntax errors carry the document and the line in the file', () => {
  // The first document takes lines 1-6 and `---` line 7, so the bad mapping is on line 9.
  assert.throws(() => parseManifests(`${cluster('a')}---\nkind: Cluster\nmetadata: {name: [b}\n`), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.match(error.message, /\(document 2\): line 9, column \d+: YAML syntax error: /);
    return true;
  });
});

test('duplicate keys are a syntax error, as in Kubernetes', () => {
  assert.throws(() => parseManifests(cluster('a', '  instances: 3\n')), /YAML syntax error: Map keys must be unique/);
});

test('a document that is not a mapping is rejected', () => {
  assert.throws(() => parseManifests('- a\n- b\n'), /\(document 1, line 1\): must be a mapping with apiVersion, kind and metadata \(got a list\)/);
});

test('a v1 List stands for its items', () => {
  const list = { apiVersion: 'v1', kind: 'List', items: [clusterManifest({}, 'a'), clusterManifest({}, 'b')] };
  const { resources } = parseManifests(JSON.stringify(list));
  assert.deepEqual(resources.map((resource) => resource.metadata.name), ['a', 'b']);
});

test('the same object twice: both kept in order, with a warning', () => {
  const { resources, warnings } = parseManifests(`${cluster('a')}---\n${cluster('a')}`);
  assert.equal(resources.length, 2);
  assert.deepEqual(warnings, ['Cluster/a: defined again in document 2; the later definition wins']);
});

test('objects of other kinds are stored as they are, with a warning', () => {
  const { resource, warnings } = validateObject({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api-server' },
    spec: { replicas: 2 },
    status: { readyReplicas: 2 },
  });
  assert.deepEqual(resource, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api-server' }, spec: { replicas: 2 } });
  assert.deepEqual(warnings, ['Deployment/api-server: apps/v1 Deployment is stored but not acted on in local mode']);
});

test('other CNPG kinds are generic; misspelt ones are errors', () => {
  const database = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'db' }, spec: { name: 'app', owner: 'app', cluster: { name: 'pg' } } };
  assert.equal(validateObject(database).resource.kind, 'Database');
  const [line] = rejectionOf({ ...database, kind: 'Databse' });
  assert.match(line ?? '', /^Databse\/db: kind: unknown kind "Databse" in postgresql.cnpg.io, did you mean "Database"\? \(allowed: Cluster, /);
});

test('generic objects still need apiVersion and a valid name', () => {
  assert.deepEqual(rejectionOf({ kind: 'Deployment', metadata: {} }), [
    'Deployment/(document 1): apiVersion: required field is missing',
    'Deployment/(document 1): metadata.name: required field is missing',
  ]);
});

test('Pods and Services cannot be applied', () => {
  assert.match(rejectionOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pg-1' } })[0] ?? '', /^Pod\/pg-1: kind: Pod objects are created by the platform/);
});

test('cluster-scoped kinds drop a namespace with a warning', () => {
  const { resource, warnings } = validateObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data', namespace: 'default' } });
  assert.ok(isNamespace(resource));
  assert.ok(!('namespace' in resource.metadata));
  assert.deepEqual(warnings, ['Namespace/data: metadata.namespace: ignored, Namespace is cluster-scoped']);
});

test('metadata: labels are checked, unknown metadata fields are rejected', () => {
  const labelled = clusterManifest({});
  labelled['metadata'] = { name: 'pg', labels: { 'app.kubernetes.io/name': 'db', team: 'x y' } };
  assert.match(rejectionOf(labelled)[0] ?? '', /^Cluster\/pg: metadata\.labels\.team: invalid label value "x y"/);
  const typo = clusterManifest({});
  typo['metadata'] = { name: 'pg', lables: {} };
  assert.match(rejectionOf(typo)[0] ?? '', /metadata\.lables: unknown field, did you mean "labels"\?/);
});

test('server fields in metadata are accepted so that get -o yaml output re-applies', () => {
  const { resource } = validateObject({
    ...clusterManifest({}),
    metadata: { name: 'pg', namespace: 'prod', uid: 'u', resourceVersion: '7', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z' },
  });
  assert.ok(isCluster(resource));
  assert.equal(resource.metadata.namespace, 'prod');
});

test('every issue of one object is reported', () => {
  const lines = rejectionOf(clusterManifest({ instances: 0, storage: { size: '5Gb' }, postgresql: { parameters: { port: '1', max_connections: 5 } } }));
  assert.deepEqual(lines, [
    'Cluster/pg: spec.instances: must be at least 1 (got 0)',
    'Cluster/pg: spec.postgresql.parameters.max_connections: must be a string, quote the value (got number 5)',
    'Cluster/pg: spec.postgresql.parameters.port: parameter "port" cannot be set: the operator relies on its own value (blocked parameter)',
    'Cluster/pg: spec.storage.size: invalid quantity "5Gb" (expected e.g. 5Gi, 500M, 1.5)',
  ]);
});

test('100 000 nested block lists are refused with the document and line, not a stack overflow', () => {
  const text = `${cluster('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x:\n${'- '.repeat(100_000)}leaf\n`;
  assert.throws(() => parseManifests(text), /\(document 2\): line 14, column 199: YAML nested more than 100 levels deep/);
});

test('nesting within the limit reaches validation, which names the field', () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\ndata:\n  x: ${'['.repeat(90)}${']'.repeat(90)}\n`;
  assert.throws(() => parseManifests(text), /data\.x: /);
});

test('an alias bomb is refused with the line of its first alias', () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`;
  assert.throws(() => parseManifests(text), /\(document 1\): line 7, column 10: YAML aliases expand to more than 100 copies/);
});

test('the hibernation annotation is acted on without a warning, and takes only "on" or "off"', () => {
  const annotated = (value: string) => cluster('a').replace('metadata:\n  name: a\n', `metadata:\n  name: a\n  annotations:\n    cnpg.io/hibernation: "${value}"\n`);
  const { warnings } = parseManifests(annotated('on'));
  assert.ok(!warnings.some((w) => w.includes('cnpg.io/hibernation')), warnings.join('\n'));
  assert.throws(() => parseManifests(annotated('yes')), /metadata\.annotations\[cnpg\.io\/hibernation\]: must be "on" or "off" \(got "yes"\)/);
});

test('validateObject warns about what was written, not about defaults of a stored object', () => {
  const { resources } = parseManifests(cluster('a'));
  const stored = structuredClone(resources[0]);
  const patch = { spec: { monitoring: { tls: { enabled: true } } } };
  const patched = { ...stored, spec: { ...(stored?.spec as object), ...patch.spec } };
  const { warnings } = validateObject(patched, 'local', { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'a' }, ...patch });
  assert.deepEqual(warnings, ['Cluster/a: spec.monitoring.tls: accepted, not acted on yet']);
});
