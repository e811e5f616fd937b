import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { issueServingCertificate, needsRenewal } from './webhook-cert.js';
import { review, reviewWithStore, type AdmissionReview } from './webhook.js';
import { updateCases } from '../../api/testing.js';
import type { KubeObject } from '../../api/meta.js';

const request = (object: Record<string, unknown>, operation = 'CREATE'): AdmissionReview => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u1', kind: { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster' }, operation, object },
});

const cluster = (spec: Record<string, unknown>) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'pg', namespace: 'default', uid: 'x', resourceVersion: '1', managedFields: [] },
  spec,
});

test('an invalid Cluster is refused with the field path and message the CLI gives', () => {
  const r = review(request(cluster({ instances: 0, storage: { size: '1Gi' } })), false).response!;
  assert.equal(r.uid, 'u1');
  assert.equal(r.allowed, false);
  assert.equal(r.status?.code, 422);
  assert.match(r.status?.message ?? '', /Cluster\/pg: spec\.instances: /);
});

test("parameters are checked against the committed catalog of the image's major; injected names are refused", () => {
  const refused = (parameters: Record<string, string>, imageName = 'ghcr.io/cloudnative-pg/postgresql:16') =>
    review(request(cluster({ instances: 1, imageName, storage: { size: '1Gi' }, postgresql: { parameters } })), true).response!;
  assert.match(refused({ "work_mem = '4MB'\nlisten_addresses": '*' }).status?.message ?? '', /is not a parameter name/);
  assert.match(refused({ shared_buffers: 'lots' }).status?.message ?? '', /spec\.postgresql\.parameters\.shared_buffers: must be an integer/);
  assert.match(refused({ io_method: 'worker' }).status?.message ?? '', /unknown parameter "io_method" for PostgreSQL 16/);
  assert.equal(refused({ io_method: 'worker' }, 'ghcr.io/cloudnative-pg/postgresql:18').allowed, true);
  assert.match(refused({ wal_log_hints: 'off' }).status?.message ?? '', /pg_rewind needs wal_log_hints/);
});

test('a valid Cluster is allowed; the mutating hook patches in the defaulted spec', () => {
  assert.equal(review(request(cluster({ instances: 3, storage: { size: '1Gi' } })), false).response?.allowed, true);
  const m = review(request(cluster({ instances: 3, storage: { size: '1Gi' } })), true).response!;
  assert.equal(m.patchType, 'JSONPatch');
  const patch = JSON.parse(Buffer.from(m.patch!, 'base64').toString()) as Array<{ op: string; path: string; value: Record<string, unknown> }>;
  assert.equal(patch[0]?.path, '/spec');
  assert.equal(patch[0]?.value.primaryUpdateStrategy, 'unsupervised');
});

test('an update is checked against the stored object: storage may grow, not shrink; bootstrap is fixed once created', () => {
  const update = (old: Record<string, unknown>, next: Record<string, unknown>): AdmissionReview => {
    const r = request(next, 'UPDATE');
    return { ...r, request: { ...r.request!, oldObject: old } };
  };
  const old = { ...cluster({ storage: { size: '10Gi' }, bootstrap: { initdb: { database: 'shop' } } }), status: { latestGeneratedNode: 1 } };
  assert.equal(review(update(old, cluster({ storage: { size: '20Gi' }, bootstrap: { initdb: { database: 'shop' } } })), false).response?.allowed, true);
  const shrink = review(update(old, cluster({ storage: { size: '5Gi' }, bootstrap: { initdb: { database: 'shop' } } })), false).response!;
  assert.equal(shrink.allowed, false);
  assert.match(shrink.status?.message ?? '', /Cluster\/pg: spec\.storage\.size: cannot shrink the volume from 10Gi to 5Gi/);
  const rebootstrap = review(update(old, cluster({ storage: { size: '10Gi' }, bootstrap: { initdb: { database: 'other' } } })), true).response!;
  assert.match(rebootstrap.status?.message ?? '', /spec\.bootstrap: bootstrap is used only when the cluster is created/);
  // A stored object that no longer validates is not compared, or it could never be fixed.
  assert.equal(review(update(cluster({ storage: { size: 'huge' } }), cluster({ storage: { size: '1Gi' } })), false).response?.allowed, true);
});

test('deletes are always allowed', () => {
  assert.equal(review(request(cluster({}), 'DELETE'), false).response?.allowed, true);
});

test('the serving certificate names the service and chains to its CA', async () => {
  const c = await issueServingCertificate(['cnpg-webhook-service.cnpg-system.svc', '127.0.0.1']);
  const leaf = new X509Certificate(c.cert);
  const ca = new X509Certificate(c.caCert);
  assert.ok(leaf.verify(ca.publicKey));
  assert.match(leaf.subjectAltName ?? '', /DNS:cnpg-webhook-service\.cnpg-system\.svc/);
  assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.equal(needsRenewal(c.cert), false);
  assert.equal(needsRenewal(c.cert, new Date(Date.now() + 85 * 86_400_000)), true);
  assert.equal(needsRenewal(undefined), true);
});

for (const c of updateCases()) {
  test(`webhook: ${c.file} is refused as an UPDATE`, () => {
    const r = request(c.update as unknown as Record<string, unknown>, 'UPDATE');
    const answer = review({ ...r, request: { ...r.request!, oldObject: c.stored as unknown as Record<string, unknown> } }, false).response!;
    assert.equal(answer.allowed, false);
    for (const substring of c.expected) assert.ok(answer.status?.message.includes(substring), `${answer.status?.message} lacks ${substring}`);
  });
}

test('the mutating hook pins the operator\'s default image on a Cluster naming none; an update keeps the image it had', () => {
  const pinned = (r: AdmissionReview) => (JSON.parse(Buffer.from(r.response!.patch!, 'base64').toString()) as Array<{ value: { imageName?: string } }>)[0]?.value.imageName;
  assert.equal(pinned(review(request(cluster({ instances: 1, storage: { size: '1Gi' } })), true, 'example/postgresql:15-a')), 'example/postgresql:15-a');
  assert.equal(pinned(review(request(cluster({ instances: 1, imageName: 'mine/postgresql:16', storage: { size: '1Gi' } })), true, 'example/postgresql:15-a')), 'mine/postgresql:16');
  const update = request(cluster({ instances: 2, storage: { size: '1Gi' } }), 'UPDATE');
  update.request!.oldObject = { ...cluster({ instances: 1, imageName: 'example/postgresql:15-a', storage: { size: '1Gi' } }), status: { image: 'example/postgresql:15-a' } };
  assert.equal(pinned(review(update, true, 'example/postgresql:15-b')), 'example/postgresql:15-a');
});

test('a new Pooler may not take a Cluster’s name, nor a new Cluster a Pooler’s; updates and other namespaces are not concerned', async () => {
  const pooler = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'pg' }, spec: { cluster: { name: 'other' } } };
  const as = (kind: string, object: Record<string, unknown>, operation = 'CREATE'): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u2', kind: { group: 'postgresql.cnpg.io', version: 'v1', kind }, namespace: 'default', operation, object },
  });
  const asked: string[] = [];
  const stored = async (kind: string, namespace: string, name: string) => {
    asked.push(`${kind} ${namespace}/${name}`);
    return namespace === 'default' && name === 'pg';
  };
  const refused = (await reviewWithStore(as('Pooler', pooler), false, undefined, stored)).response!;
  assert.deepEqual(asked, ['Cluster default/pg']);
  assert.equal(refused.allowed, false);
  assert.match(refused.status?.message ?? '', /^Pooler\/pg: metadata\.name: a Cluster named "pg" exists in namespace "default"/);
  const cluster = (await reviewWithStore(as('Cluster', { ...pooler, kind: 'Cluster', spec: { instances: 1, storage: { size: '1Gi' } } }), false, undefined, stored)).response!;
  assert.match(cluster.status?.message ?? '', /^Cluster\/pg: metadata\.name: a Pooler named "pg" exists in namespace "default"/);
  assert.equal((await reviewWithStore(as('Pooler', pooler, 'UPDATE'), false, undefined, stored)).response?.allowed, true);
  assert.equal((await reviewWithStore(as('Pooler', pooler), true, undefined, stored)).response?.allowed, true, 'the mutating hook leaves it to the validating one');
  assert.equal((await reviewWithStore(as('Pooler', { ...pooler, metadata: { name: 'pgp' } }), false, undefined, stored)).response?.allowed, true);
  const failing = async () => {
    throw new Error('connection refused');
  };
  assert.match((await reviewWithStore(as('Pooler', pooler), false, undefined, failing)).response?.status?.message ?? '', /could not check that no Cluster is named pg: connection refused/);
});

test('the validating webhook refuses a Cluster whose custom-query document does not parse, naming the field, the key and the finding', async () => {
  const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 1, storage: { size: '1Gi' }, monitoring: { customQueriesConfigMap: [{ name: 'q', key: 'queries' }] } } };
  const as = (operation: string): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u3', kind: { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster' }, namespace: 'default', operation, object: cluster },
  });
  const queries = (text: string) => async (kind: string, namespace: string, name: string) =>
    kind === 'ConfigMap' && namespace === 'default' && name === 'q' ? ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { queries: text } } as KubeObject) : undefined;
  const bad = queries('x:\n  query: SELECT 1 AS c\n  metrics:\n    - c:\n        usage: GAUGE2\n');
  for (const operation of ['CREATE', 'UPDATE']) {
    const refused = (await reviewWithStore(as(operation), false, undefined, undefined, bad)).response!;
    assert.equal(refused.allowed, false, operation);
    assert.match(refused.status?.message ?? '', /^Cluster\/pg: spec\.monitoring\.customQueriesConfigMap\[0\]\.key: ConfigMap q key queries: x\.metrics\[0\]\.c\.usage: unknown usage "GAUGE2"/);
  }
  assert.equal((await reviewWithStore(as('CREATE'), true, undefined, undefined, bad)).response?.allowed, true, 'the mutating hook leaves it to the validating one');
  assert.equal((await reviewWithStore(as('CREATE'), false, undefined, undefined, queries('x:\n  query: SELECT 1 AS c\n  metrics:\n    - c:\n        usage: GAUGE\n'))).response?.allowed, true);
  assert.equal((await reviewWithStore(as('CREATE'), false, undefined, undefined, async () => undefined)).response?.allowed, true, 'a document not there yet is allowed');
});
