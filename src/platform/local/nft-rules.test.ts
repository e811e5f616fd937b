import test from 'node:test';
import assert from 'node:assert/strict';
import { chainName, clusterScript, departures, dnatTarget, forwardedClients, forwardsOf, killFilters, parseSockets, removeClusterScript, tableName, tableScript } from './nft-rules.js';
import type { Routes } from './proxy.js';

const routes = (rw: number[], ro: number[], r: number[]): Routes => ({
  listeners: { rw: { host: '127.0.0.1', port: 7001 }, ro: { host: '127.0.0.1', port: 7002 }, r: { host: '127.0.0.1', port: 7003 } },
  backends: Object.fromEntries(Object.entries({ rw, ro, r }).map(([role, ports]) => [role, ports.map((port) => ({ name: `pg-${port}`, host: '127.0.0.1', port }))])),
});

test('each home has a table of its own, named within nftables limits', () => {
  assert.match(tableName('/var/lib/cnpg-ts'), /^cnpg_[0-9a-f]{12}$/);
  assert.notEqual(tableName('/tmp/cnpg-test-a'), tableName('/tmp/cnpg-test-b'));
  assert.equal(tableName('/tmp/x'), tableName('/tmp/x'));
});

test('chain names come from DNS names only', () => {
  assert.equal(chainName('default', 'pg-a.b'), 'c_default_pg-a.b');
  for (const bad of ['Pg', 'pg"; flush ruleset', 'a b', '', 'pg\n']) assert.throws(() => chainName('default', bad), /not a lowercase DNS name/);
});

test('one backend is a plain DNAT; several take turns with numgen', () => {
  assert.equal(dnatTarget([5001]), '127.0.0.1:5001');
  assert.equal(dnatTarget([5001, 5002, 5003]), '127.0.0.1 : numgen inc mod 3 map { 0 : 5001, 1 : 5002, 2 : 5003 }');
  assert.throws(() => dnatTarget([70000]), /not a TCP port/);
});

test('a fresh table replaces whatever a killed daemon left, in one transaction', () => {
  const s = tableScript('cnpg_abc');
  assert.match(s, /^add table ip cnpg_abc\ndelete table ip cnpg_abc\ntable ip cnpg_abc \{/);
  assert.match(s, /type nat hook output priority -100; policy accept; ip daddr 127\.0\.0\.1 tcp dport vmap @endpoints;/);
});

test('a cluster script forwards the ports that have backends and leaves the others to the proxy', () => {
  const s = clusterScript('t', 'c_default_pg', forwardsOf(routes([5001], [], [5001, 5002]), 'default/pg'));
  assert.equal(
    s,
    [
      'add chain ip t c_default_pg',
      'flush chain ip t c_default_pg',
      'add element ip t endpoints { 7001 : jump c_default_pg }',
      'delete element ip t endpoints { 7001 }',
      'add element ip t endpoints { 7002 : jump c_default_pg }',
      'delete element ip t endpoints { 7002 }',
      'add element ip t endpoints { 7003 : jump c_default_pg }',
      'delete element ip t endpoints { 7003 }',
      'add rule ip t c_default_pg tcp dport 7001 dnat to 127.0.0.1:5001 comment "default/pg rw"',
      'add element ip t endpoints { 7001 : jump c_default_pg }',
      'add rule ip t c_default_pg tcp dport 7003 dnat to 127.0.0.1 : numgen inc mod 2 map { 0 : 5001, 1 : 5002 } comment "default/pg r"',
      'add element ip t endpoints { 7003 : jump c_default_pg }',
      '',
    ].join('\n'),
  );
  assert.throws(() => clusterScript('t', 'c', [{ port: 1, backends: [2], label: 'x" ; flush ruleset' }]), /comment cannot hold/);
});

test('removing a cluster unmaps its ports before deleting its chain', () => {
  assert.equal(
    removeClusterScript('t', 'c_ns_pg', [7001]),
    'add chain ip t c_ns_pg\nflush chain ip t c_ns_pg\nadd element ip t endpoints { 7001 : jump c_ns_pg }\ndelete element ip t endpoints { 7001 }\ndelete chain ip t c_ns_pg\n',
  );
});

test('departures: the backends that left each endpoint, nothing on the first routing', () => {
  assert.deepEqual(departures(undefined, routes([5001], [5002], [5001, 5002])), []);
  // A switchover: 5001 leaves rw, 5002 leaves ro (it is the primary now); -r keeps both.
  assert.deepEqual(departures(routes([5001], [5002], [5001, 5002]), routes([5002], [5001], [5001, 5002])), [
    { endpoint: 7001, backend: 5001 },
    { endpoint: 7002, backend: 5002 },
  ]);
  // Fencing: writes routed nowhere.
  assert.deepEqual(departures(routes([5001], [], [5001]), routes([], [], [5001])), [{ endpoint: 7001, backend: 5001 }]);
});

const SS = `ESTAB 0      0      127.0.0.1:40001 127.0.0.1:7001
ESTAB 0      0      127.0.0.1:5001 127.0.0.1:40001
ESTAB 0      0      127.0.0.1:40002 127.0.0.1:7001
ESTAB 0      0      127.0.0.1:7001 127.0.0.1:40002
ESTAB 0      0      127.0.0.1:40002 127.0.0.1:5001
ESTAB 0      0      127.0.0.1:5001 127.0.0.1:40002
ESTAB 0      0      127.0.0.1:40003 127.0.0.1:7002
ESTAB 0      0      127.0.0.1:5002 127.0.0.1:40003
SYN-RECV 0   0      127.0.0.1:5001 127.0.0.1:40004
ESTAB 0      0      127.0.0.1:40004 127.0.0.1:7001
ESTAB 0      0      10.0.0.5:40005 10.0.0.9:7001
ESTAB 0      0      [::1]:40006 [::1]:7001
`;

test('ss lines are parsed whatever the state, IPv6 included', () => {
  const s = parseSockets(SS + '\n');
  assert.equal(s.length, 12);
  assert.deepEqual(s[0], { local: { addr: '127.0.0.1', port: 40001 }, peer: { addr: '127.0.0.1', port: 7001 } });
  assert.deepEqual(s[11], { local: { addr: '::1', port: 40006 }, peer: { addr: '::1', port: 7001 } });
});

test('forwarded pairs: client to the endpoint, backend to the client, and not the proxy upstream', () => {
  const sockets = parseSockets(SS);
  // 40001 and 40004 (not accepted yet) are forwarded to 5001. 40002 is the proxy's: the proxy holds
  // 7001←40002 and its upstream 40002→5001 shares the port. 40003 goes to another endpoint.
  assert.deepEqual(forwardedClients(sockets, { endpoint: 7001, backend: 5001 }), [40001, 40004]);
  assert.deepEqual(forwardedClients(sockets, { endpoint: 7002, backend: 5002 }), [40003]);
  assert.deepEqual(forwardedClients(sockets, { endpoint: 7001, backend: 5002 }), []);
});

test('kill filters select both ends, in bounded batches', () => {
  const d = { endpoint: 7001, backend: 5001 };
  assert.deepEqual(killFilters(d, [40001]), ['( src 127.0.0.1:40001 and dst 127.0.0.1:7001 ) or ( src 127.0.0.1:5001 and dst 127.0.0.1:40001 )']);
  assert.equal(killFilters(d, Array.from({ length: 250 }, (_, i) => 30000 + i)).length, 3);
  assert.deepEqual(killFilters(d, []), []);
});
