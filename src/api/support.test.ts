import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotationsNotActedOn, isPresent, NOT_ACTED_ON, notActedOn } from './support.js';

test('supported Cluster fields are not in the table', () => {
  const supported = [
    'spec.instances',
    'spec.imageName',
    'spec.imageCatalogRef',
    'spec.postgresql.parameters',
    'spec.postgresql.pg_hba',
    'spec.postgresql.pg_ident',
    'spec.bootstrap.initdb',
    'spec.enableSuperuserAccess',
    'spec.superuserSecret',
    'spec.managed.roles',
    'spec.storage.size',
    'spec.failoverDelay',
    'spec.primaryUpdateStrategy',
    'spec.primaryUpdateMethod',
    'spec.replicationSlots',
    'spec.description',
    'spec.certificates.serverCASecret',
    'spec.certificates.serverTLSSecret',
    'spec.certificates.clientCASecret',
    'spec.certificates.serverAltDNSNames',
    'spec.bootstrap.pg_basebackup',
    'spec.bootstrap.initdb.import',
    'spec.externalClusters.connectionParameters',
    'spec.externalClusters.password',
    'spec.externalClusters.sslCert',
    'spec.externalClusters.sslKey',
    'spec.externalClusters.sslRootCert',
  ];
  for (const path of supported) assert.ok(!NOT_ACTED_ON['Cluster']?.includes(path), path);
});

test('one finding per listed path present as written', () => {
  const input = {
    spec: {
      instances: 3,
      storage: { size: '1Gi', storageClass: 'fast' },
      bootstrap: { recovery: { volumeSnapshots: { storage: { name: 'snap' } } } },
      backup: { retentionPolicy: '30d', volumeSnapshot: { className: 'csi' } },
    },
  };
  assert.deepEqual(
    notActedOn('Cluster', input).map((finding) => finding.path),
    ['spec.backup.volumeSnapshot.className', 'spec.storage.storageClass'],
  );
  // Volume snapshots are taken on both platforms; a snapshot class means something only to Kubernetes.
  assert.deepEqual(notActedOn('Cluster', input, 'kubernetes').map((finding) => finding.path), []);
});

test('Poolers are acted on, their Pod and Service shaping only on Kubernetes; backups warn only for what the object store method does not use', () => {
  assert.deepEqual(notActedOn('Pooler', { spec: { cluster: { name: 'pg' }, instances: 2, pgbouncer: { poolMode: 'transaction' } } }), []);
  assert.deepEqual(notActedOn('Pooler', { spec: { cluster: { name: 'pg' }, template: { spec: {} } } }).map((f) => f.path), ['spec.template']);
  assert.deepEqual(notActedOn('Pooler', { spec: { cluster: { name: 'pg' }, template: { spec: {} } } }, 'kubernetes'), []);
  assert.deepEqual(notActedOn('Pooler', { spec: { cluster: { name: 'pg' }, pgbouncer: { image: 'pgbouncer:1.24' }, monitoring: { tls: { enabled: true } } } }, 'kubernetes').map((f) => f.path), ['spec.monitoring.tls', 'spec.pgbouncer.image']);
  for (const kind of ['Backup', 'ScheduledBackup']) {
    assert.deepEqual(notActedOn(kind, { spec: { cluster: { name: 'pg' } } }), []);
    assert.deepEqual(notActedOn(kind, { spec: { online: true } }), []);
    assert.deepEqual(notActedOn(kind, { spec: { online: true } }, 'kubernetes').map((f) => f.path), []);
  }
  assert.deepEqual(notActedOn('Secret', { data: {} }), []);
});

test('a path through a list matches any element', () => {
  const cluster = { spec: { externalClusters: [{ name: 'a' }, { name: 'b', plugin: { name: 'p' } }] } };
  assert.equal(isPresent(cluster, ['spec', 'externalClusters', 'plugin', 'name']), true);
  assert.equal(isPresent(cluster, ['spec', 'externalClusters', 'barmanObjectStore']), false);
});

test('cnpg.io annotations the operator does not act on are named, the ones it acts on are not', () => {
  const input = {
    metadata: {
      annotations: {
        'cnpg.io/hibernation': 'on',
        'cnpg.io/fencedInstances': '["pg-1"]',
        'cnpg.io/targetPrimary': 'pg-2',
        'cnpg.io/reconciliationLoop': 'disabled',
        'alpha.cnpg.io/unrecoverable': 'true',
        'example.com/owner': 'me',
        'cnpg.io/skipWalArchiving': null,
      },
    },
  };
  const findings = annotationsNotActedOn('Cluster', input);
  assert.deepEqual(findings.map((f) => f.path), [
    'metadata.annotations[alpha.cnpg.io/unrecoverable]',
    'metadata.annotations[cnpg.io/reconciliationLoop]',
  ]);
  assert.deepEqual(annotationsNotActedOn('Cluster', { metadata: { annotations: { 'cnpg.io/hibernation': 'off' } } }), []);
  assert.deepEqual(annotationsNotActedOn('Secret', input), []);
});

test('spec.monitoring is acted on: the PodMonitor fields only on Kubernetes, the exporter over TLS not yet', () => {
  const monitoring = { customQueriesConfigMap: [{ name: 'q', key: 'queries' }], disableDefaultQueries: true, metricsQueriesTTL: '10s' };
  assert.deepEqual(notActedOn('Cluster', { spec: { monitoring } }), []);
  const podMonitor = { spec: { monitoring: { enablePodMonitor: true, podMonitorRelabelings: [] } } };
  assert.deepEqual(notActedOn('Cluster', podMonitor).map((f) => f.path), ['spec.monitoring.enablePodMonitor', 'spec.monitoring.podMonitorRelabelings']);
  assert.deepEqual(notActedOn('Cluster', podMonitor, 'kubernetes'), []);
  assert.deepEqual(notActedOn('Cluster', { spec: { monitoring: { tls: { enabled: true } } } }, 'kubernetes').map((f) => f.path), ['spec.monitoring.tls']);
});

test('every Pod-level field is acted on on Kubernetes; locally only env values, logLevel, inheritedMetadata and the isolation check', () => {
  const spec = {
    env: [{ name: 'TZ', value: 'UTC' }, { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    envFrom: [{ configMapRef: { name: 'c' } }],
    probes: { liveness: { periodSeconds: 5, isolationCheck: { enabled: false } }, readiness: { periodSeconds: 5 } },
    livenessProbeTimeout: 30,
    startDelay: 60,
    securityContext: {},
    podSecurityContext: {},
    seccompProfile: { type: 'RuntimeDefault' },
    postgresUID: 26,
    postgresGID: 26,
    topologySpreadConstraints: [],
    priorityClassName: 'p',
    schedulerName: 's',
    imagePullPolicy: 'Always',
    imagePullSecrets: [{ name: 'r' }],
    inheritedMetadata: { labels: { a: 'b' } },
    projectedVolumeTemplate: { sources: [] },
    ephemeralVolumeSource: {},
    ephemeralVolumesSizeLimit: { shm: '1Gi' },
    resources: {},
    storage: { size: '1Gi', resizeInUseVolumes: false },
    logLevel: 'debug',
  };
  assert.deepEqual(notActedOn('Cluster', { spec }, 'kubernetes'), []);
  const local = notActedOn('Cluster', { spec }, 'local').map((f) => f.path);
  for (const path of ['spec.env.valueFrom', 'spec.envFrom', 'spec.probes.liveness.periodSeconds', 'spec.probes.readiness', 'spec.postgresUID', 'spec.storage.resizeInUseVolumes']) assert.ok(local.includes(path), path);
  for (const path of ['spec.env', 'spec.logLevel', 'spec.inheritedMetadata', 'spec.probes.liveness.isolationCheck']) assert.ok(!local.includes(path), path);
});
