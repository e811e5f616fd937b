import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { clusterMajor, isCluster, isScheduledBackup, isSecret, parseManifests, secretValues, type Cluster } from './index.js';

const examples = join(repoRoot(), 'examples');
const files = readdirSync(examples).filter((file) => file.endsWith('.yaml'));

function load(file: string) {
  return parseManifests(readFileSync(join(examples, file), 'utf8'));
}

function cluster(file: string): Cluster {
  const [resource] = load(file).resources;
  assert.ok(isCluster(resource), `${file} holds a Cluster`);
  return resource;
}

test('examples folder is not empty', () => {
  assert.ok(files.length >= 20, `found ${files.length} examples`);
});

for (const file of files) {
  test(`example ${file} is accepted`, () => {
    const { resources } = load(file);
    assert.ok(resources.length >= 1);
  });
}

test('every example is listed in examples/README.md', () => {
  const readme = readFileSync(join(examples, 'README.md'), 'utf8');
  for (const file of files) assert.ok(readme.includes(file), `${file} missing from README`);
});

test('lab-postgres: 3 instances, initdb testdb owned by testuser, defaults applied', () => {
  const { spec, metadata } = cluster('lab-postgres.yaml');
  assert.equal(metadata.namespace, 'default');
  assert.equal(spec.instances, 3);
  assert.equal(spec.bootstrap.initdb?.database, 'testdb');
  assert.equal(spec.bootstrap.initdb?.owner, 'testuser');
  assert.equal(spec.bootstrap.initdb?.encoding, 'UTF8');
  assert.equal(spec.storage?.size, '5Gi');
  assert.equal(spec.postgresql.parameters['max_connections'], '100');
  assert.equal(spec.enableSuperuserAccess, false);
  assert.equal(load('lab-postgres.yaml').warnings.length, 0);
});

test('platform-pg: major 17 from imageName, supervised, in namespace data', () => {
  const resource = cluster('platform-pg.yaml');
  assert.equal(clusterMajor(resource), 17);
  assert.equal(resource.spec.primaryUpdateStrategy, 'supervised');
  assert.equal(resource.metadata.namespace, 'data');
});

test('my-postgres: initdb secret, backup stanza acted on without warnings', () => {
  const { resources, warnings } = load('my-postgres.yaml');
  const [resource] = resources;
  assert.ok(isCluster(resource));
  assert.equal(clusterMajor(resource), 16);
  assert.equal(resource.spec.bootstrap.initdb?.secret?.name, 'app-user-secret');
  assert.equal(resource.spec.backup?.retentionPolicy, '30d');
  assert.equal(resource.spec.backup?.target, 'prefer-standby');
  assert.ok(!warnings.some((w) => w.includes('spec.backup')), warnings.join('\n'));
});

test('production-db-cluster: major 15 from a private registry image', () => {
  assert.equal(clusterMajor(cluster('production-db-cluster.yaml')), 15);
});

test('cluster-example: the demo cluster', () => {
  const { spec, metadata } = cluster('cluster-example.yaml');
  assert.equal(metadata.name, 'cluster-example');
  assert.equal(spec.instances, 3);
  assert.equal(spec.storage?.size, '1Gi');
  assert.equal(spec.bootstrap.initdb?.database, 'app');
  assert.equal(spec.bootstrap.initdb?.owner, 'app');
});

test('postgres-multi-db: managed roles get their defaults', () => {
  const roles = cluster('postgres-multi-db.yaml').spec.managed?.roles ?? [];
  assert.deepEqual(roles.map((role) => role.name), ['myapp_dev', 'myapp_staging', 'myapp_prod']);
  assert.equal(roles[0]?.connectionLimit, -1);
  assert.equal(roles[0]?.inherit, true);
  assert.equal(roles[0]?.superuser, false);
});

test('my-postgres-daily: five-field schedule normalised with a warning', () => {
  const { resources, warnings } = load('my-postgres-daily.yaml');
  const [resource] = resources;
  assert.ok(isScheduledBackup(resource));
  assert.equal(resource.spec.schedule, '0 0 2 * * *');
  assert.equal(resource.spec.backupOwnerReference, 'self');
  assert.ok(warnings.some((warning) => warning.includes('spec.schedule: 5-field cron "0 2 * * *" normalised to "0 0 2 * * *"')));
});

test('app-user-secret: stringData merged into data', () => {
  const [resource] = load('app-user-secret.yaml').resources;
  assert.ok(isSecret(resource));
  assert.equal(resource.type, 'Opaque');
  assert.deepEqual(secretValues(resource), { username: 'app_user', password: 'supersecurepassword' });
});

test('ExternalSecret is stored as a generic object with a warning', () => {
  const { resources, warnings } = load('postgres-archives-dev-password.yaml');
  assert.equal(resources[0]?.kind, 'ExternalSecret');
  assert.deepEqual(warnings, [
    'ExternalSecret/postgres-archives-dev-password: external-secrets.io/v1beta1 ExternalSecret is stored but not acted on in local mode',
  ]);
});
