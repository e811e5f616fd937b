import test from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { patroniConfig, renderPatroniConfig, type PatroniNode } from './patroni-config.js';

const node: PatroniNode = {
  scope: 'cnpgfo-abc',
  name: 'n2',
  dir: '/tmp/cnpgfo-abc/n2',
  pgPort: 15432,
  restPort: 18008,
  etcd: ['127.0.0.1:12379'],
  binDir: '/usr/lib/postgresql/15/bin',
  synchronous: true,
  passwords: { superuser: 'su-pw', replication: 'rep-pw', rewind: 'rw-pw' },
};

test('YAML 1.1 round trip gives the same object, with "off" still a string', () => {
  const text = renderPatroniConfig(node);
  assert.deepEqual(parse(text, { version: '1.1' }), patroniConfig(node));
  assert.match(text, /mode: "off"/);
});

test('default Patroni timings, pg_rewind and replication slots; synchronous mode follows the flag', () => {
  const dcs = (patroniConfig(node).bootstrap as { dcs: Record<string, unknown> }).dcs;
  assert.equal(dcs.ttl, 30);
  assert.equal(dcs.loop_wait, 10);
  assert.equal(dcs.retry_timeout, 10);
  assert.equal(dcs.synchronous_mode, true);
  assert.deepEqual(dcs.postgresql, { use_pg_rewind: true, use_slots: true, parameters: { password_encryption: 'scram-sha-256' } });
  const async = (patroniConfig({ ...node, synchronous: false }).bootstrap as { dcs: Record<string, unknown> }).dcs;
  assert.equal(async.synchronous_mode, false);
});

test('everything on loopback with the given ports, etcd through the v3 API', () => {
  const c = patroniConfig(node) as { restapi: Record<string, string>; etcd3: { hosts: string[] }; postgresql: Record<string, unknown> };
  assert.deepEqual(c.restapi, { listen: '127.0.0.1:18008', connect_address: '127.0.0.1:18008' });
  assert.deepEqual(c.etcd3.hosts, ['127.0.0.1:12379']);
  assert.equal(c.postgresql.listen, '127.0.0.1:15432');
  assert.equal(c.postgresql.connect_address, '127.0.0.1:15432');
  assert.equal(c.postgresql.data_dir, '/tmp/cnpgfo-abc/n2/data');
  assert.equal(c.postgresql.bin_dir, '/usr/lib/postgresql/15/bin');
  assert.deepEqual(c.postgresql.parameters, { unix_socket_directories: '/tmp/cnpgfo-abc/n2' });
});

test('scram everywhere, a replication user, and no trust or md5 line', () => {
  const pg = patroniConfig(node).postgresql as { pg_hba: string[]; authentication: Record<string, { username: string; password: string }> };
  assert.ok(pg.pg_hba.includes('host replication replicator 127.0.0.1/32 scram-sha-256'));
  assert.ok(pg.pg_hba.every((l) => !/\b(trust|md5|password)\b/.test(l)));
  assert.ok(pg.pg_hba.filter((l) => l.startsWith('host')).every((l) => l.endsWith('scram-sha-256')));
  assert.deepEqual(pg.authentication.replication, { username: 'replicator', password: 'rep-pw' });
  assert.equal(pg.authentication.superuser?.username, 'postgres');
  assert.equal(pg.authentication.rewind?.username, 'rewinder');
});
