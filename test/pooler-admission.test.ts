// `cnpg apply` of Poolers on the local platform: a PgBouncer parameter the operator owns or one
// that does not exist is refused with its field path and nothing is stored, and a Pooler and a
// Cluster of one namespace may not share a name (stored, or in the same apply).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv } from './support/env.js';

const env = new TestEnv();
after(() => env.cleanup());

const pooler = (name: string, cluster: string, parameters = '') => `apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: ${name}
spec:
  cluster:
    name: ${cluster}
  pgbouncer:
    poolMode: transaction
${parameters ? `    parameters:\n${parameters}` : ''}`;

const cluster = (name: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
`;

const names = async (kind: string) => (await env.json<{ items: { metadata: { name: string } }[] }>(['get', kind])).items.map((o) => o.metadata.name);

test('a Pooler with a PgBouncer parameter the operator owns, or one PgBouncer does not have, is refused with its field path; nothing is stored', async () => {
  const owned = await env.run(['apply', '-f', '-'], pooler('bad', 'pg', '      max_client_conn: "1000"\n      auth_query: "SELECT 1"\n'));
  assert.notEqual(owned.code, 0);
  assert.match(owned.stderr, /Pooler\/bad: spec\.pgbouncer\.parameters\.auth_query: parameter "auth_query" is managed by the operator and cannot be set: set spec\.pgbouncer\.authQuery \(with authQuerySecret\) instead/);
  const unknown = await env.run(['apply', '-f', '-'], pooler('bad', 'pg', '      default_pool_sise: "25"\n'));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /Pooler\/bad: spec\.pgbouncer\.parameters\.default_pool_sise: "default_pool_sise" is not a PgBouncer parameter a Pooler may set, did you mean "default_pool_size"\? \(allowed: application_name_add_host, .*, verbose\)/);
  assert.deepEqual(await names('poolers'), []);
});

test('a Pooler and a Cluster of one namespace may not share a name, whichever came first or in one apply', async () => {
  const together = await env.run(['apply', '-f', '-'], `${cluster('shared')}---\n${pooler('shared', 'elsewhere')}`);
  assert.notEqual(together.code, 0);
  assert.match(together.stderr, /Cluster\/shared: metadata\.name: a Pooler named "shared" exists in namespace "default"/);
  assert.deepEqual(await names('clusters'), [], 'the apply is all or nothing');

  await env.ok(['apply', '-f', '-'], pooler('front', 'elsewhere'));
  const clusterAfter = await env.run(['apply', '-f', '-'], cluster('front'));
  assert.notEqual(clusterAfter.code, 0);
  assert.match(clusterAfter.stderr, /Cluster\/front: metadata\.name: a Pooler named "front" exists in namespace "default"; its Deployment, Service and ServiceAccount carry that name/);
  assert.deepEqual(await names('clusters'), []);
  // Another namespace is another scope.
  await env.ok(['create', 'namespace', 'other']);
  const elsewhere = await env.run(['apply', '-f', '-', '-n', 'other', '--dry-run=server'], cluster('front'));
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
});
