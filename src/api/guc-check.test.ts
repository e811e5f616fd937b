import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkParametersAgainst } from './guc-check.js';
import { COMMITTED_CATALOGS, committedCatalogs } from './guc-catalogs.js';
import { parseGucBool, parseGucNumber } from './guc-catalog.js';

const pg15 = committedCatalogs(15);
const problem = (name: string, value: string, catalogs = pg15) => checkParametersAgainst({ [name]: value }, catalogs)[0]?.message;

test('one committed catalog per supported major, generated from real servers', () => {
  assert.deepEqual(COMMITTED_CATALOGS.map((c) => c.major), [18, 17, 16, 15, 14]);
  for (const catalog of COMMITTED_CATALOGS) {
    assert.match(catalog.version, new RegExp(`^${catalog.major}\\.\\d+$`));
    assert.equal(catalog.parameters['shared_buffers']?.unit, '8kB');
    assert.deepEqual(catalog.parameters['wal_level']?.values, ['minimal', 'replica', 'logical']);
  }
});

test('values in the forms PostgreSQL reads are accepted', () => {
  const good: Record<string, string> = {
    shared_buffers: '128MB', work_mem: '4096', maintenance_work_mem: '1GB', statement_timeout: '1h', log_min_duration_statement: '-1',
    checkpoint_timeout: '15min', autovacuum_naptime: '30s', vacuum_cost_delay: '2.5ms', random_page_cost: '1.1', effective_cache_size: '4GB',
    synchronous_commit: 'remote_apply', log_statement: 'DDL', jit: 'off', track_io_timing: 'TRUE', hot_standby_feedback: 'y',
    archive_timeout: '5min', max_connections: '0x64', idle_session_timeout: ' 10 s ', wal_keep_size: '512MB', TimeZone: 'UTC',
    'pg_stat_statements.max': '10000', 'auto_explain.log_min_duration': '5s', search_path: '"$user", public',
  };
  assert.deepEqual(checkParametersAgainst(good, pg15), []);
  // Hidden boolean spellings of on/off enums.
  assert.equal(problem('synchronous_commit', 'true'), undefined);
});

test('names are case-insensitive and checked against the major', () => {
  assert.equal(problem('Work_Mem', '4MB'), undefined);
  assert.match(problem('io_method', 'worker') ?? '', /unknown parameter "io_method" for PostgreSQL 15/);
  assert.equal(problem('io_method', 'worker', committedCatalogs(18)), undefined);
  // Without a known major, any supported major's parameter is accepted.
  assert.equal(problem('io_method', 'worker', committedCatalogs(undefined)), undefined);
});

const refusals: Array<[string, string, RegExp]> = [
  ['work_mme', '4MB', /unknown parameter "work_mme" for PostgreSQL 15; did you mean "work_mem"\?/],
  ['frobnicate_everything', 'on', /unknown parameter .*extension parameters are written prefix\.name/],
  ['shared_buffers', 'lots', /must be an integer with an optional unit \(B, kB, MB, GB, TB\) \(got "lots"\)/],
  ['shared_buffers', '128 parsecs', /has an invalid unit \(got "128 parsecs"\); valid units are B, kB, MB, GB, TB/],
  ['shared_buffers', '128mb', /has an invalid unit/],
  ['shared_buffers', '64kB', /must be between 16 × 8kB \(128kB\) and 1073741823 × 8kB \(8TB\) \(got "64kB"\)/],
  ['max_connections', '100MB', /takes a plain number without a unit \(got "100MB"\)/],
  ['max_connections', '0', /must be between 1 and 262143 \(got "0"\)/],
  ['statement_timeout', '1 fortnight', /valid units are us, ms, s, min, h, d/],
  ['random_page_cost', 'cheap', /must be a number \(got "cheap"\)/],
  ['vacuum_cost_delay', '200ms', /must be between 0ms and 100ms/],
  ['wal_compression', 'gzip', /must be one of: pglz, lz4, zstd, on, off \(got "gzip"\)/],
  ['log_statement', 'everything', /must be one of: none, ddl, mod, all/],
  ['jit', 'maybe', /must be a boolean such as on or off \(got "maybe"\)/],
  ['wal_level', ' replica', /must be one of: minimal, replica, logical/],
];
for (const [name, value, message] of refusals) {
  test(`${name}: ${JSON.stringify(value)} is refused with what is allowed`, () => assert.match(problem(name, value) ?? '(accepted)', message));
}

test('names the operator-owned rules refuse are reported once, by those rules', () => {
  assert.deepEqual(checkParametersAgainst({ port: '5432', wal_log_hints: 'off', 'bad name': 'x' }, pg15), []);
});

test('parse_bool: unique prefixes, any case; "o" alone is ambiguous', () => {
  for (const v of ['on', 'OFF', 'of', 't', 'tru', 'Yes', 'n', '1', '0']) assert.notEqual(parseGucBool(v), undefined, v);
  for (const v of ['o', '', ' on', 'onn', '2', 'offf']) assert.equal(parseGucBool(v), undefined, v);
});

test('numbers convert to the base unit as the server rounds them', () => {
  const sb = { type: 'integer' as const, context: 'postmaster', unit: '8kB' };
  assert.deepEqual(parseGucNumber('128MB', sb), { value: 16384 });
  assert.deepEqual(parseGucNumber('0.5GB', sb), { value: 65536 });
  assert.deepEqual(parseGucNumber('010', sb), { value: 8 });
  assert.deepEqual(parseGucNumber('12kB', sb), { value: 2 });
  assert.deepEqual(parseGucNumber('20kB', sb), { value: 2 });
  assert.deepEqual(parseGucNumber('1e3', { type: 'integer', context: 'user' }), { value: 1000 });
});
