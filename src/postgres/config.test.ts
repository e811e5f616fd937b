import test from 'node:test';
import assert from 'node:assert/strict';
import { buildParameters, renderPostgresqlConf, UnsafeConfigurationError } from './config.js';
import { renderPgHba, renderPgIdent } from './hba.js';

const base = { instanceName: 'x-1', port: 6001, socketDir: '/tmp/s', userParameters: {}, archiveCommand: '/bin/sh /x/wal-archive.sh %f' };

test('user parameters override defaults but not operator-owned settings', () => {
  const p = buildParameters({ ...base, userParameters: { max_connections: '200', wal_level: 'replica', shared_buffers: '256MB' } });
  assert.equal(p.max_connections, '200');
  assert.equal(p.wal_level, 'replica');
  assert.equal(p.port, '6001');
  assert.equal(p.listen_addresses, '127.0.0.1');
  assert.equal(p.unix_socket_directories, '/tmp/s');
  assert.equal(p.hot_standby, 'on');
  // Archiving is always on, so a backup store added later needs a reload rather than a restart.
  assert.equal(p.archive_mode, 'on');
  assert.equal(p.archive_command, '/bin/sh /x/wal-archive.sh %f');
  assert.equal(p.primary_conninfo, undefined);
});

test('standby settings add conninfo and slot; the timeline stays PostgreSQL’s default (latest) for every role', () => {
  const p = buildParameters({ ...base, standby: { primaryConninfo: 'host=127.0.0.1 port=6000', primarySlotName: '_cnpg_x_2' } });
  assert.equal(p.primary_conninfo, 'host=127.0.0.1 port=6000');
  assert.equal(p.primary_slot_name, '_cnpg_x_2');
  // A primary must not carry a restart-only setting a standby lacks, or promotion would need a restart.
  assert.equal(p.recovery_target_timeline, undefined);
});

test('TLS is on, TLS 1.3 only, with the delivered files; off while there are none', () => {
  const tls = { certFile: '/i/certificates/server.crt', keyFile: '/i/certificates/server.key', caFile: '/i/certificates/client-ca.crt' };
  const p = buildParameters({ ...base, tls, userParameters: { ssl: 'off', ssl_cert_file: '/elsewhere' } });
  assert.deepEqual([p.ssl, p.ssl_cert_file, p.ssl_key_file, p.ssl_ca_file], ['on', tls.certFile, tls.keyFile, tls.caFile]);
  assert.deepEqual([p.ssl_min_protocol_version, p.ssl_max_protocol_version], ['TLSv1.3', 'TLSv1.3']);
  const off = buildParameters(base);
  assert.deepEqual([off.ssl, off.ssl_cert_file], ['off', undefined]);
});

test('rendered values are quoted and sorted', () => {
  const conf = renderPostgresqlConf({ b: "it's", a: '1' });
  assert.match(conf, /^a = '1'\nb = 'it''s'$/m);
});

test('pg_hba: fixed rules, user rules, scram default; replication only for streaming_replica', () => {
  const hba = renderPgHba({ userLines: ['host app app 10.0.0.0/8 scram-sha-256'], major: 15 });
  const lines = hba.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, [
    'local all all peer map=local',
    'local replication postgres peer map=local',
    'host all cnpg_metrics_exporter all reject',
    'host replication streaming_replica all scram-sha-256',
    'host postgres streaming_replica all scram-sha-256',
    'host app app 10.0.0.0/8 scram-sha-256',
    'host all all all scram-sha-256',
  ]);
  assert.doesNotMatch(hba, /trust/);
  assert.match(renderPgHba({ userLines: [], major: 13 }), /host all all all md5/);
});

test('pg_ident maps the OS user to postgres, the metrics exporter and the listed roles once each', () => {
  const ident = renderPgIdent({ osUser: 'postgres', localRoles: ['app', 'postgres'], userLines: ['m a b'] });
  assert.deepEqual(ident.split('\n').filter((l) => l && !l.startsWith('#')), ['local postgres postgres', 'local postgres cnpg_metrics_exporter', 'local postgres app', 'm a b']);
});

test('a Pooler with built-in authentication: its role in by certificate over TLS, before the user rules, and mapped to itself', () => {
  const lines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
  const hba = lines(renderPgHba({ userLines: ['host all all 10.0.0.0/8 reject'], major: 15, poolerAuth: true }));
  assert.ok(hba.indexOf('hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer') < hba.indexOf('host all all 10.0.0.0/8 reject'));
  assert.ok(!lines(renderPgHba({ userLines: [], major: 15 })).some((l) => l.includes('cnpg_pooler_pgbouncer')), 'no pooler, no rule');
  assert.deepEqual(lines(renderPgIdent({ osUser: 'postgres', localRoles: [], userLines: [], poolerAuth: true })), ['local postgres postgres', 'local postgres cnpg_metrics_exporter', 'cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer']);
});

test('the postgresql.conf writer refuses names and values validation would refuse, whatever got past it', () => {
  assert.throws(() => renderPostgresqlConf({ "work_mem = '4MB'\nlisten_addresses": '*' }), UnsafeConfigurationError);
  assert.throws(() => renderPostgresqlConf({ 'work mem': '4MB' }), /not a parameter name/);
  assert.throws(() => renderPostgresqlConf({ work_mem: "4MB'\nlisten_addresses = '*" }), /control character/);
  assert.match(renderPostgresqlConf({ 'pg_stat_statements.max': '10000', search_path: '"$user", public', x: 'a\\b' }), /^x = 'a\\\\b'$/m);
});

test('the pg_hba and pg_ident writers refuse a line that is not one rule', () => {
  assert.throws(() => renderPgHba({ userLines: ['host all all 10.0.0.0/8 md5\nhost all all all trust'], major: 15 }), /line 1 of the user's pg_hba\.conf rules: contains a control character/);
  assert.throws(() => renderPgHba({ userLines: ['host all all all md5', 'hots all all all md5'], major: 15 }), /line 2 .*connection type/);
  assert.throws(() => renderPgIdent({ osUser: 'postgres', localRoles: [], userLines: ['m a'] }), /three fields/);
});
