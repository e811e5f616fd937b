import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCluster, validateObject, type Cluster } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';

function accept(spec: Record<string, unknown>, name?: string): Cluster {
  const { resource } = validateObject(clusterManifest(spec, name));
  assert.ok(isCluster(resource));
  return resource;
}

const storage = { size: '1Gi' };

test('an almost empty Cluster gets CloudNativePG defaults', () => {
  const { spec, metadata } = accept({ storage });
  assert.equal(metadata.namespace, 'default');
  const expected: [unknown, unknown][] = [
    [spec.instances, 1],
    [spec.imageName, undefined],
    [spec.enableSuperuserAccess, false],
    [spec.primaryUpdateStrategy, 'unsupervised'],
    [spec.primaryUpdateMethod, 'restart'],
    [spec.failoverDelay, 0],
    [spec.switchoverDelay, 3600],
    [spec.startDelay, 3600],
    [spec.stopDelay, 1800],
    [spec.smartShutdownTimeout, 180],
    [spec.minSyncReplicas, 0],
    [spec.maxSyncReplicas, 0],
    [spec.postgresUID, 26],
    [spec.postgresGID, 26],
    [spec.logLevel, 'info'],
    [spec.enablePDB, true],
    [spec.storage?.resizeInUseVolumes, true],
    [spec.replicationSlots.highAvailability.enabled, true],
    [spec.replicationSlots.highAvailability.slotPrefix, '_cnpg_'],
    [spec.replicationSlots.updateInterval, 30],
    [spec.replicationSlots.synchronizeReplicas.enabled, true],
    [spec.affinity.podAntiAffinityType, 'preferred'],
    [spec.affinity.topologyKey, 'kubernetes.io/hostname'],
    [spec.postgresql.enableAlterSystem, false],
  ];
  for (const [index, [actual, wanted]] of expected.entries()) assert.equal(actual, wanted, `case ${index}`);
  assert.deepEqual(spec.postgresql.parameters, {});
  assert.deepEqual(spec.bootstrap, {
    initdb: { database: 'app', owner: 'app', dataChecksums: false, encoding: 'UTF8', localeCollate: 'C', localeCType: 'C' },
  });
});

test('storage is optional, and pvcTemplate stands in for size', () => {
  assert.equal(accept({}).spec.storage, undefined);
  assert.equal(accept({ storage: { pvcTemplate: { resources: { requests: { storage: '1Gi' } } } } }).spec.storage?.size, undefined);
});

test('quantities given as YAML numbers are kept as strings', () => {
  const { spec } = accept({ storage, resources: { requests: { cpu: 1, memory: '1Gi' } } });
  assert.equal(spec.resources?.requests?.['cpu'], '1');
});

test('initdb: owner follows database; localeCollate and localeCType default to C even with a locale, as in CloudNativePG', () => {
  const initdb = accept({ bootstrap: { initdb: { database: 'shop', locale: 'en_US.UTF-8' } } }).spec.bootstrap.initdb;
  assert.equal(initdb?.owner, 'shop');
  assert.equal(initdb?.locale, 'en_US.UTF-8');
  assert.equal(initdb?.localeCollate, 'C');
  assert.equal(initdb?.localeCType, 'C');
  // What initdb then receives is tested in src/instance/initdb.test.ts.
  assert.equal(accept({ bootstrap: { initdb: { walSegmentSize: 64 } } }).spec.bootstrap.initdb?.walSegmentSize, 64);
});

test('recovery and pg_basebackup default the application database', () => {
  const store = { destinationPath: 's3://bucket/', s3Credentials: { inheritFromIAMRole: true } };
  const recovery = accept({
    bootstrap: { recovery: { source: 'origin', recoveryTarget: { targetTime: '2024-01-15T14:30:00Z', targetTLI: 'latest', backupID: '20240115T000000' } } },
    externalClusters: [{ name: 'origin', barmanObjectStore: store }],
  }).spec.bootstrap;
  assert.equal(recovery.initdb, undefined, 'no initdb default when another method is set');
  assert.equal(recovery.recovery?.database, 'app');
  assert.equal(recovery.recovery?.owner, 'app');
  assert.equal(recovery.recovery?.recoveryTarget?.exclusive, false);
  const basebackup = accept({
    bootstrap: { pg_basebackup: { source: 'origin', database: 'shop' } },
    externalClusters: [{ name: 'origin', connectionParameters: { host: 'origin-rw', user: 'streaming_replica' } }],
  }).spec.bootstrap.pg_basebackup;
  assert.deepEqual(basebackup, { source: 'origin', database: 'shop', owner: 'shop' });
});

test('synchronous replication defaults dataDurability to required', () => {
  const sync = accept({ instances: 3, postgresql: { synchronous: { method: 'any', number: 1 } } }).spec.postgresql.synchronous;
  assert.equal(sync?.dataDurability, 'required');
});

test('managed roles: defaults per RoleConfiguration', () => {
  const [role] = accept({ managed: { roles: [{ name: 'app' }] } }).spec.managed?.roles ?? [];
  assert.deepEqual(role, {
    name: 'app',
    ensure: 'present',
    connectionLimit: -1,
    inherit: true,
    disablePassword: false,
    superuser: false,
    createdb: false,
    createrole: false,
    login: false,
    replication: false,
    bypassrls: false,
  });
});

test('imageCatalogRef alone is accepted', () => {
  const ref = { apiGroup: 'postgresql.cnpg.io', kind: 'ClusterImageCatalog', name: 'postgresql', major: 16 };
  assert.deepEqual(accept({ imageCatalogRef: ref }).spec.imageCatalogRef, ref);
});

test('object store destinations: s3, gs, azure, file', () => {
  const cases = [
    { destinationPath: 's3://bucket/path/', s3Credentials: { inheritFromIAMRole: true } },
    { destinationPath: 'gs://bucket/path', googleCredentials: { gkeEnvironment: true } },
    { destinationPath: 'https://account.blob.core.windows.net/container', azureCredentials: { inheritFromAzureAD: true } },
    { destinationPath: 'file:///var/backups/pg' },
  ];
  for (const barmanObjectStore of cases) assert.ok(accept({ backup: { barmanObjectStore } }).spec.backup);
});

// [spec, expected message] — rejections that need a valid rest of the spec to be reached.
const rejected: [Record<string, unknown>, string][] = [
  [{ instances: 1.5 }, 'spec.instances: must be an integer (got number 1.5)'],
  [{ instances: null }, 'spec.instances: must be an integer (got null)'],
  [{ storage: { size: '0' } }, 'spec.storage.size: must be greater than zero (got "0")'],
  [{ walStorage: { size: '1Gi' }, storage, postgresql: { parameters: { max_wal_size: '2GB' } } }, 'spec.postgresql.parameters.max_wal_size: max_wal_size (2GB) must be lower than the WAL volume (spec.walStorage.size: 1Gi)'],
  [{ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }, 'spec.resources.requests.memory: request for memory (2Gi) must not exceed its limit (1Gi)'],
  [{ instances: 3, minSyncReplicas: 1, maxSyncReplicas: 1, postgresql: { synchronous: { method: 'any', number: 1 } } }, 'spec.postgresql.synchronous: cannot be combined with minSyncReplicas/maxSyncReplicas'],
  [{ instances: 2, postgresql: { synchronous: { method: 'first', number: 2 } } }, 'spec.postgresql.synchronous.number: must be lower than the number of instances plus standbyNamesPre and standbyNamesPost (2), got 2'],
  [{ externalClusters: [{ name: 'a' }, { name: 'a' }] }, 'spec.externalClusters[1].name: duplicate external cluster "a" (first used at index 0)'],
  [{ bootstrap: { recovery: { source: 'a' } }, externalClusters: [{ name: 'a', connectionParameters: { host: 'x' } }] }, 'spec.bootstrap.recovery.source: external cluster "a" has neither barmanObjectStore nor plugin to recover from'],
  [{ bootstrap: { recovery: {} } }, 'spec.bootstrap.recovery: one of backup, source or volumeSnapshots must be set'],
  [{ bootstrap: { recovery: { backup: { name: 'b' }, recoveryTarget: { targetTLI: '0' } } } }, 'spec.bootstrap.recovery.recoveryTarget.targetTLI: must be "latest" or a positive timeline number (got "0")'],
  [{ bootstrap: { recovery: { backup: { name: 'b' }, recoveryTarget: { targetTime: 'yesterday' } } } }, 'spec.bootstrap.recovery.recoveryTarget.targetTime: must be a timestamp'],
  // It is written into postgresql.conf as recovery_target_time.
  [{ bootstrap: { recovery: { backup: { name: 'b' }, recoveryTarget: { targetTime: "2024-01-15 14:30:00\nlisten_addresses = '*'" } } } }, 'spec.bootstrap.recovery.recoveryTarget.targetTime: must be a timestamp'],
  [{ bootstrap: { recovery: { backup: { name: 'b' }, recoveryTarget: { targetTime: '2024-01-15 14:30:00\n+01' } } } }, 'spec.bootstrap.recovery.recoveryTarget.targetTime: must be a timestamp'],
  [{ postgresql: { synchronous: { method: 'any', number: 1, standbyNamesPre: ['a\nb'] } } }, 'spec.postgresql.synchronous.standbyNamesPre[0]: must not contain control characters'],
  [{ bootstrap: { initdb: { import: { type: 'microservice', databases: ['a', 'b'], source: { externalCluster: 'old' } } } }, externalClusters: [{ name: 'old' }] }, 'spec.bootstrap.initdb.import.databases: a microservice import takes exactly one database'],
  [{ bootstrap: { initdb: { import: { type: 'microservice', databases: ['*'], source: { externalCluster: 'old' } } } }, externalClusters: [{ name: 'old' }] }, "spec.bootstrap.initdb.import.databases[0]: '*' is only allowed with type: monolith"],
  // Each extra option is one argument of the tool: never a shell word, never a second line.
  [{ bootstrap: { initdb: { import: { type: 'monolith', databases: ['a'], source: { externalCluster: 'old' }, pgDumpExtraOptions: ['--jobs=2\n--file=/etc/x'] } } }, externalClusters: [{ name: 'old' }] }, 'spec.bootstrap.initdb.import.pgDumpExtraOptions[0]: must not contain control characters'],
  [{ bootstrap: { initdb: { import: { type: 'monolith', databases: ['a'], source: { externalCluster: 'old' }, pgDumpExtraOptions: ['--file=/tmp/x'] } } }, externalClusters: [{ name: 'old' }] }, 'spec.bootstrap.initdb.import.pgDumpExtraOptions[0]: --file is not allowed: the operator decides where pg_dump connects'],
  [{ bootstrap: { initdb: { import: { type: 'monolith', databases: ['a'], source: { externalCluster: 'old' }, pgRestoreDataOptions: ['--jobs=2', '-dother'] } } }, externalClusters: [{ name: 'old' }] }, 'spec.bootstrap.initdb.import.pgRestoreDataOptions[1]: -d is not allowed: the operator decides where pg_restore connects'],
  [{ externalClusters: [{ name: 'old', connectionParameters: { host: 'h\nport=1' } }] }, 'spec.externalClusters[0].connectionParameters.host: must not contain control characters'],
  [{ backup: { barmanObjectStore: { destinationPath: 's3://b/', s3Credentials: { accessKeyId: { name: 's', key: 'k' } } } } }, 'spec.backup.barmanObjectStore.s3Credentials: set both accessKeyId and secretAccessKey, or inheritFromIAMRole: true'],
  [{ backup: { barmanObjectStore: { destinationPath: 'gs://b/', s3Credentials: { inheritFromIAMRole: true } } } }, 'spec.backup.barmanObjectStore.s3Credentials: s3Credentials cannot be used with a gs:// destinationPath'],
  [{ backup: { target: 'standby' } }, 'spec.backup.target: must be one of: primary, prefer-standby (got "standby")'],
  [{ managed: { roles: [{ name: 'pg_app' }] } }, 'spec.managed.roles[0].name: role "pg_app" is reserved'],
  [{ managed: { roles: [{ name: 'app', passwordSecret: { name: 's' }, disablePassword: true }] } }, 'spec.managed.roles[0].disablePassword: passwordSecret and disablePassword cannot both be set'],
  [{ managed: { services: { disabledDefaultServices: ['rw'] } } }, 'spec.managed.services.disabledDefaultServices[0]: must be one of: r, ro (got "rw")'],
  [{ managed: { services: { additional: [{ selectorType: 'rw', serviceTemplate: { metadata: { name: 'pg-rw' } } }] } } }, 'spec.managed.services.additional[0].serviceTemplate.metadata.name: service name "pg-rw" is reserved'],
  [{ plugins: [{ name: 'a', isWALArchiver: true }, { name: 'b', isWALArchiver: true }] }, 'spec.plugins: at most one plugin may have isWALArchiver: true'],
  [{ postgresql: { ldap: { server: 'ldap.example.com', bindAsAuth: {}, bindSearchAuth: {} } } }, 'spec.postgresql.ldap: bindAsAuth and bindSearchAuth cannot both be set'],
  [{ postgresql: { ldap: { bindAsAuth: { prefix: 'uid=' } } } }, 'spec.postgresql.ldap.server: '],
  [{ postgresql: { ldap: { server: 'ldap', bindSearchAuth: { searchAttribute: 'uid', searchFilter: '(uid=$username)' } } } }, 'spec.postgresql.ldap.bindSearchAuth.searchFilter: searchAttribute and searchFilter cannot both be set'],
  [{ postgresql: { ldap: { server: 'ldap', bindAsAuth: { suffix: ',dc=example\n' } } } }, 'spec.postgresql.ldap.bindAsAuth.suffix: must not contain control characters'],
  [{ postgresql: { syncReplicaElectionConstraint: { enabled: true } } }, 'spec.postgresql.syncReplicaElectionConstraint.nodeLabelsAntiAffinity: must name at least one node label when syncReplicaElectionConstraint is enabled (e.g. topology.kubernetes.io/zone)'],
  [{ postgresql: { syncReplicaElectionConstraint: { enabled: true, nodeLabelsAntiAffinity: ['zone\n'] } } }, 'spec.postgresql.syncReplicaElectionConstraint.nodeLabelsAntiAffinity[0]: '],
  [{ postgresql: { pg_hba: 'host all all all trust' } }, 'spec.postgresql.pg_hba: must be a list (got string "host all all all trust")'],
  [{ imageName: 'postgres:stable' }, 'spec.imageName: image "postgres:stable" has tag "stable"'],
  [{ replica: { source: 'elsewhere' } }, 'spec.replica.source: "elsewhere" is not defined in spec.externalClusters'],
  [{ serviceAccountName: 'sa', serviceAccountTemplate: { metadata: {} } }, 'spec.serviceAccountName: serviceAccountName and serviceAccountTemplate cannot both be set'],
  [{ storage: { size: '1Gi', storageclass: 'x' } }, 'spec.storage.storageclass: unknown field, did you mean "storageClass"?'],
  [{ specs: 1 } as Record<string, unknown>, 'spec.specs: unknown field'],
];

for (const [spec, message] of rejected) {
  test(`rejects ${JSON.stringify(spec)}`, () => {
    const lines = rejectionOf(clusterManifest(spec));
    assert.ok(lines.some((line) => line.startsWith(`Cluster/pg: ${message}`)), lines.join('\n'));
  });
}

test('unknown top-level fields are rejected too', () => {
  const lines = rejectionOf({ ...clusterManifest({}), specs: {} });
  assert.ok(lines[0]?.startsWith('Cluster/pg: specs: unknown field, did you mean "spec"? (allowed: apiVersion, kind, metadata, spec)'), lines[0]);
});

test('status in the input is dropped', () => {
  const { resource } = validateObject({ ...clusterManifest({}), status: { phase: 'Cluster in healthy state' } });
  assert.equal(resource.status, undefined);
});

test('a Cluster name of 50 characters is fine, 51 is not', () => {
  assert.ok(accept({}, 'a'.repeat(50)));
  assert.match(rejectionOf(clusterManifest({}, 'a'.repeat(51)))[0] ?? '', /metadata\.name: must be at most 50 characters \(got 51\): names derived from it/);
  assert.match(rejectionOf(clusterManifest({}, 'pg.example'))[0] ?? '', /RFC 1123 label/);
});

test('spec.env may not set a variable the operator sets in the instance container', () => {
  for (const name of ['PGDATA', 'pghost', 'CNPG_SPEC_DIR', 'POD_NAME', 'POD_IP', 'NAMESPACE', 'CLUSTER_NAME']) {
    const lines = rejectionOf(clusterManifest({ storage, env: [{ name: 'TZ', value: 'UTC' }, { name, value: 'x' }] }));
    assert.match(lines.join('\n'), new RegExp(`spec\\.env\\[1\\]\\.name: environment variable "${name}" is set by the operator`), name);
  }
  assert.equal(accept({ storage, env: [{ name: 'TZ', value: 'UTC' }, { name: 'MY_PGDATA', value: 'x' }] }).spec.env?.length, 2);
});

test('probes.liveness.isolationCheck: enabled, requestTimeout and connectionTimeout (ms), nothing else', () => {
  const liveness = (isolationCheck: unknown) => clusterManifest({ storage, probes: { liveness: { periodSeconds: 5, isolationCheck } } });
  assert.ok(accept({ storage, probes: { liveness: { isolationCheck: { enabled: false, requestTimeout: 2000, connectionTimeout: 500 } } } }));
  assert.match(rejectionOf(liveness({ requestTimeout: 0 })).join('\n'), /spec\.probes\.liveness\.isolationCheck\.requestTimeout: must be a whole number of milliseconds, at least 1 \(got 0\)/);
  assert.match(rejectionOf(liveness({ enabled: 'yes' })).join('\n'), /spec\.probes\.liveness\.isolationCheck\.enabled: isolationCheck takes enabled/);
  assert.match(rejectionOf(liveness({ timeout: 5 })).join('\n'), /spec\.probes\.liveness\.isolationCheck\.timeout: isolationCheck takes/);
});
