import test from 'node:test';
import assert from 'node:assert/strict';
import { instanceParameters } from './configure.js';
import { instancePaths } from './paths.js';
import type { InstanceSpec } from './spec.js';

const paths = instancePaths('/var/lib/cnpg/pg-1', 5432);

const spec: InstanceSpec = {
  namespace: 'default',
  cluster: 'pg',
  name: 'pg-1',
  serial: 1,
  generation: 1,
  binDir: '/usr/lib/postgresql/15/bin',
  major: 15,
  osUser: 'postgres',
  pgPort: 5432,
  statusPort: 8000,
  role: 'primary',
  bootstrap: { kind: 'join' },
  parameters: {},
  pgHba: [],
  pgIdent: [],
  localRoles: [],
  replicationSlots: [],
  enableSuperuserAccess: false,
  managedRoles: [],
  fenced: false,
  peers: [],
  isolationTimeoutMs: 10_000,
};

test('a primary: operator defaults, then the settings the operator owns', () => {
  const p = instanceParameters(spec, paths);
  assert.equal(p.wal_level, 'logical', 'a CloudNativePG default');
  assert.equal(p.port, '5432');
  assert.equal(p.listen_addresses, '127.0.0.1');
  assert.equal(p.unix_socket_directories, paths.socketDir);
  assert.equal(p.cluster_name, 'pg-1');
  assert.equal(p.archive_mode, 'on');
  assert.equal(p.archive_command, `/bin/sh '${paths.archiveScript}' %f`);
  assert.equal(p.ssl, 'off');
  assert.equal(p.synchronous_standby_names, '');
  assert.equal(p.logging_collector, 'off', 'the manager collects stderr itself');
  assert.equal(p.primary_conninfo, undefined);
});

test("the user's parameters win over the defaults, never over what the operator owns", () => {
  const p = instanceParameters({ ...spec, parameters: { wal_level: 'replica', work_mem: '8MB', port: '6543', archive_mode: 'off' } }, paths);
  assert.equal(p.wal_level, 'replica');
  assert.equal(p.work_mem, '8MB');
  assert.equal(p.port, '5432');
  assert.equal(p.archive_mode, 'on');
});

test("a replica cluster's primary archives in recovery too (archive_mode=always), promoted or not; its standbys do not", () => {
  const source = { name: 'a', streaming: false };
  assert.equal(instanceParameters({ ...spec, replicaCluster: { source } }, paths).archive_mode, 'always');
  assert.equal(instanceParameters({ ...spec, replicaCluster: { source, promote: {} } }, paths).archive_mode, 'always');
  assert.equal(instanceParameters({ ...spec, role: 'replica', primary: { name: 'pg-2', host: 'h', port: 1 } }, paths).archive_mode, 'on');
});

test('a replica follows its primary through its slot, with the replication passfile', () => {
  const p = instanceParameters({ ...spec, role: 'replica', primary: { name: 'pg-2', host: '10.0.0.2', port: 5433 }, slotName: '_cnpg_pg_1' }, paths);
  assert.equal(p.primary_slot_name, '_cnpg_pg_1');
  for (const part of ['host=10.0.0.2', 'port=5433', 'user=streaming_replica', 'application_name=pg-1', `passfile=${paths.passfile}`]) {
    assert.ok(p.primary_conninfo?.includes(part), `${part} in ${p.primary_conninfo}`);
  }
});

test('TLS files when certificates were delivered; overrides win over everything', () => {
  const p = instanceParameters({ ...spec, parameters: { max_connections: '50' } }, paths, true, { max_connections: '100', restore_command: 'x' });
  assert.equal(p.ssl, 'on');
  assert.equal(p.ssl_cert_file, paths.certificates.cert);
  assert.equal(p.ssl_key_file, paths.certificates.key);
  assert.equal(p.ssl_ca_file, paths.certificates.ca);
  assert.equal(p.max_connections, '100');
  assert.equal(p.restore_command, 'x');
});
