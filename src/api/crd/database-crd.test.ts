import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customResourceDefinitions } from './crd.js';

const database = customResourceDefinitions().find((crd) => crd.spec.names.kind === 'Database');
const [v1] = database?.spec.versions ?? [];

type Node = Record<string, unknown>;
const child = (n: Node, name: string) => (n['properties'] as Record<string, Node>)[name] as Node;
const spec = () => child(v1!.schema.openAPIV3Schema, 'spec');
const rules = (n: Node) => ((n['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[]).map((r) => r.message);

test('the Database CRD has CloudNativePG names and printer columns, no short name', () => {
  assert.ok(database && v1);
  assert.equal(database.metadata.name, 'databases.postgresql.cnpg.io');
  assert.deepEqual(database.spec.names.shortNames, []);
  assert.deepEqual(
    v1.additionalPrinterColumns.map((c) => `${c.name}:${c.type}=${c.jsonPath}`),
    ['Age:date=.metadata.creationTimestamp', 'Cluster:string=.spec.cluster.name', 'PG Name:string=.spec.name', 'Applied:boolean=.status.applied', 'Message:string=.status.message'],
  );
  assert.deepEqual(v1.subresources, { status: {} });
});

test('the Database CRD refuses what CloudNativePG refuses: immutable fields, reserved names, locales without their provider', () => {
  assert.deepEqual(rules(child(spec(), 'name')), ['name is immutable', 'the name postgres is reserved', 'the name template0 is reserved', 'the name template1 is reserved']);
  for (const field of ['encoding', 'locale', 'localeProvider', 'localeCollate', 'localeCType', 'icuLocale', 'icuRules', 'builtinLocale', 'collationVersion', 'template']) {
    assert.deepEqual(rules(child(spec(), field)), [`${field} is immutable`], field);
  }
  assert.deepEqual(rules(child(spec(), 'cluster')), ['cluster reference is immutable']);
  assert.equal(rules(spec()).length, 3);
  assert.deepEqual(spec()['required'], ['cluster', 'name', 'owner']);
  assert.deepEqual(child(spec(), 'databaseReclaimPolicy')['enum'], ['retain', 'delete']);
});
