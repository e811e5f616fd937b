import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPERATOR_DEFAULT_PARAMETERS,
  checkParameters,
  fixedParameterField,
  isBlockedParameter,
  isFixedParameter,
  parseWalSize,
} from './gucs.js';

test('blocked parameters', () => {
  for (const name of ['port', 'listen_addresses', 'data_directory', 'hba_file', 'unix_socket_directories', 'logging_collector', 'hot_standby', 'restart_after_crash', 'log_directory', 'log_filename', 'PORT']) {
    assert.ok(isBlockedParameter(name), name);
  }
  assert.ok(!isBlockedParameter('max_connections'));
});

test('fixed parameters point at the field that controls them', () => {
  const cases: [string, string | undefined][] = [
    ['synchronous_standby_names', 'spec.postgresql.synchronous'],
    ['archive_command', 'spec.backup'],
    ['shared_preload_libraries', 'spec.postgresql.shared_preload_libraries'],
    ['pg_failover_slots.synchronize_slot_names', 'spec.replicationSlots.highAvailability.synchronizeLogicalDecoding'],
    ['primary_conninfo', 'spec.replica'],
    ['cluster_name', undefined],
  ];
  for (const [name, field] of cases) {
    assert.ok(isFixedParameter(name), name);
    assert.equal(fixedParameterField(name), field, name);
  }
  assert.ok(!isFixedParameter('work_mem'));
  assert.ok(!isFixedParameter('ssl_min_protocol_version'), 'TLS protocol bounds stay user-settable');
});

test('operator defaults are overridable: none of them is blocked or fixed', () => {
  for (const name of Object.keys(OPERATOR_DEFAULT_PARAMETERS)) {
    assert.ok(!isBlockedParameter(name) && !isFixedParameter(name), name);
  }
  assert.equal(OPERATOR_DEFAULT_PARAMETERS['wal_level'], 'logical');
  assert.ok(Object.isFrozen(OPERATOR_DEFAULT_PARAMETERS));
});

const problems: [Record<string, string>, string, RegExp][] = [
  [{ wal_level: 'minimal' }, 'wal_level', /wal_level below replica/],
  [{ wal_level: 'archive' }, 'wal_level', /must be replica or logical/],
  [{ max_wal_senders: '0' }, 'max_wal_senders', /need WAL senders/],
  [{ wal_log_hints: 'maybe' }, 'wal_log_hints', /must stay on \(got "maybe"\): pg_rewind needs/],
  [{ wal_log_hints: 'off' }, 'wal_log_hints', /must stay on \(got "off"\)/],
  [{ fsync: 'maybe' }, 'fsync', /must be a boolean/],
  [{ "work_mem = '4MB'\nlisten_addresses": '*' }, "work_mem = '4MB'\nlisten_addresses", /is not a parameter name/],
  [{ 'work mem': '4MB' }, 'work mem', /is not a parameter name/],
  [{ 'a.b.c': '1' }, 'a.b.c', /is not a parameter name/],
  [{ work_mem: "4MB'\nlisten_addresses = '*" }, 'work_mem', /must not contain control characters/],
  [{ 'PORT': '1' }, 'PORT', /blocked parameter/],
  [{ max_wal_size: 'lots' }, 'max_wal_size', /invalid size "lots"/],
  [{ min_wal_size: '4GB', max_wal_size: '1GB' }, 'min_wal_size', /must be lower than max_wal_size/],
  [{ port: '5433' }, 'port', /blocked parameter/],
  [{ archive_mode: 'off' }, 'archive_mode', /use spec\.backup instead/],
];

for (const [parameters, path, message] of problems) {
  test(`checkParameters(${JSON.stringify(parameters)})`, () => {
    const findings = checkParameters(parameters);
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(findings[0]?.path, path);
    assert.match(findings[0]?.message ?? '', message);
  });
}

test('ordinary tuning passes', () => {
  const tuning = { max_connections: '200', shared_buffers: '256MB', wal_level: 'replica', min_wal_size: '1GB', max_wal_size: '4GB', fsync: 'on' };
  assert.deepEqual(checkParameters(tuning), []);
});

test('WAL sizes count megabytes when no unit is given', () => {
  assert.equal(parseWalSize('1024'), 2 ** 30);
  assert.equal(parseWalSize('1GB'), 2 ** 30);
  assert.equal(parseWalSize('80MB'), 80 * 2 ** 20);
  assert.equal(parseWalSize('1 GiB'), undefined);
});
