import test from 'node:test';
import assert from 'node:assert/strict';
import { resolveKind as resolveApiKind } from '../api/index.js';
import { qualifiedName, resolveKind, resolveTargets } from './resources.js';

test('the CLI accepts every name the API resolves, the version-qualified one included', () => {
  for (const word of ['cluster.v1.postgresql.cnpg.io', 'clusters.v1.postgresql.cnpg.io', 'cluster.postgresql.cnpg.io', 'pgcluster', 'deploy', 'pvc', 'ev']) {
    assert.deepEqual(resolveKind(word), resolveApiKind(word), word);
  }
  assert.deepEqual(resolveTargets(['cluster.v1.postgresql.cnpg.io/pg']).map((t) => [t.info.kind, t.name]), [['Cluster', 'pg']]);
});

test('an unknown resource type is refused as kubectl refuses it', () => {
  assert.throws(() => resolveKind('clustres'), /the server doesn't have a resource type "clustres"/);
  assert.throws(() => resolveKind('cluster.example.com'), /the server doesn't have a resource type "cluster.example.com"/);
});

test('qualified names as kubectl prints them', () => {
  assert.equal(qualifiedName(resolveKind('clusters'), 'pg'), 'cluster.postgresql.cnpg.io/pg');
  assert.equal(qualifiedName(resolveKind('secret'), 's'), 'secret/s');
});
