import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { isPublication, isSubscription, parseManifests, updateIssues, validateObject, type KubeObject } from './index.js';

const sample = (file: string) => readFileSync(join(repoRoot(), 'test', 'fixtures', 'cnpg-samples', file), 'utf8');

test("CloudNativePG's own samples are accepted, with the retain policy as default", () => {
  const [all] = parseManifests(sample('publication-example.yaml')).resources;
  assert.ok(isPublication(all));
  assert.equal(all.spec.publicationReclaimPolicy, 'retain');
  assert.equal(all.spec.target.allTables, true);
  const [objects] = parseManifests(sample('publication-example-objects.yaml')).resources;
  assert.ok(isPublication(objects));
  assert.deepEqual(objects.spec.target.objects?.[1]?.table, { schema: 'another_schema', name: 'numbers_three', only: true });
  const [sub] = parseManifests(sample('subscription-example.yaml')).resources;
  assert.ok(isSubscription(sub));
  assert.equal(sub.spec.subscriptionReclaimPolicy, 'retain');
  assert.equal(sub.spec.externalClusterName, 'cluster-example');
});

function publication(spec: Record<string, unknown>): KubeObject {
  return validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Publication', metadata: { name: 'p' }, spec: { cluster: { name: 'c' }, name: 'pub', dbname: 'app', target: { allTables: true }, ...spec } }).resource;
}

test('a target needs allTables or objects, and each object one of table and tablesInSchema', () => {
  assert.throws(() => publication({ target: {} }), /spec\.target: one of allTables: true, objects must be set/);
  assert.throws(() => publication({ target: { objects: [{}] } }), /spec\.target\.objects\[0\]: one of tablesInSchema, table must be set/);
  assert.throws(() => publication({ target: { objects: [{ tablesInSchema: 'a', table: { name: 't' } }] } }), /spec\.target\.objects\[0\]\.table: only one of tablesInSchema, table/);
});

test('names reaching SQL may not hold a control character', () => {
  assert.throws(() => publication({ name: 'pub\nx' }), /spec\.name/);
  assert.throws(() => publication({ parameters: { publish: 'insert\u0000' } }), /spec\.parameters\.publish/);
});

test('cluster, name, dbname and allTables cannot change; parameters and reclaim policy can', () => {
  const before = publication({});
  const paths = (spec: Record<string, unknown>) => updateIssues(before, publication(spec)).map((i) => i.path);
  assert.deepEqual(paths({ cluster: { name: 'other' }, name: 'other', dbname: 'other' }), ['spec.cluster', 'spec.name', 'spec.dbname']);
  assert.deepEqual(paths({ target: { objects: [{ tablesInSchema: 'public' }] } }), ['spec.target.allTables']);
  assert.deepEqual(paths({ parameters: { publish: 'insert' }, publicationReclaimPolicy: 'delete' }), []);
});
