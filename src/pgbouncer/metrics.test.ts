import test from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleCommand, ConsoleRows } from './console.js';
import { PgBouncerMetrics } from './metrics.js';

// Column sets as PgBouncer 1.18 (here) and 1.24 print them.
const POOLS_118 = ['database', 'user', 'cl_active', 'cl_waiting', 'cl_active_cancel_req', 'cl_waiting_cancel_req', 'sv_active', 'sv_active_cancel', 'sv_being_canceled', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login', 'maxwait', 'maxwait_us', 'pool_mode'];
const STATS_118 = ['database', 'total_xact_count', 'total_query_count', 'total_received', 'total_sent', 'total_xact_time', 'total_query_time', 'total_wait_time', 'avg_xact_count', 'avg_query_count', 'avg_recv', 'avg_sent', 'avg_xact_time', 'avg_query_time', 'avg_wait_time'];
const STATS_124 = ['database', 'total_server_assignment_count', 'total_xact_count', 'total_query_count', 'total_received', 'total_sent', 'total_xact_time', 'total_query_time', 'total_wait_time', 'total_client_parse_count', 'total_server_parse_count', 'total_bind_count', 'avg_server_assignment_count', 'avg_xact_count', 'avg_query_count', 'avg_recv', 'avg_sent', 'avg_xact_time', 'avg_query_time', 'avg_wait_time', 'avg_client_parse_count', 'avg_server_parse_count', 'avg_bind_count'];

const row = (columns: string[], values: Record<string, unknown>) => columns.map((c) => values[c] ?? '0');

function console118(fail?: ConsoleCommand): (c: ConsoleCommand) => Promise<ConsoleRows> {
  return (command) => {
    if (command === fail) return Promise.reject(new Error('server closed the connection'));
    switch (command) {
      case 'SHOW LISTS':
        return Promise.resolve({ columns: ['list', 'items'], rows: [['databases', '2'], ['free_clients', '49'], ['something_new', '3']] });
      case 'SHOW POOLS':
        return Promise.resolve({ columns: POOLS_118, rows: [row(POOLS_118, { database: 'app', user: 'alice', cl_active: '7', cl_waiting: '3', sv_being_canceled: '1', maxwait: '2', pool_mode: 'transaction' })] });
      case 'SHOW STATS':
        return Promise.resolve({ columns: STATS_118, rows: [row(STATS_118, { database: 'app', total_xact_count: '12345678901', avg_query_time: '250' })] });
      default:
        return Promise.reject(new Error(`unexpected ${command}`));
    }
  };
}

const value = (text: string, sample: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
};

test('SHOW LISTS, POOLS and STATS become CloudNativePG\'s metrics, read by column name', async () => {
  const m = new PgBouncerMetrics();
  await m.collect(console118());
  const text = await m.text();
  assert.equal(value(text, 'cnpg_pgbouncer_lists_databases'), 2);
  assert.equal(value(text, 'cnpg_pgbouncer_lists_free_clients'), 49);
  assert.equal(value(text, 'cnpg_pgbouncer_lists_dns_pending'), -1, 'an item PgBouncer did not list reads -1');
  assert.ok(!text.includes('something_new'), 'an item CloudNativePG has no metric for is left out');
  const pool = '{database="app",user="alice"}';
  assert.equal(value(text, `cnpg_pgbouncer_pools_cl_active${pool}`), 7);
  assert.equal(value(text, `cnpg_pgbouncer_pools_cl_waiting${pool}`), 3);
  assert.equal(value(text, `cnpg_pgbouncer_pools_sv_wait_cancels${pool}`), 1, 'sv_being_canceled under CloudNativePG\'s name');
  assert.equal(value(text, `cnpg_pgbouncer_pools_maxwait${pool}`), 2);
  assert.equal(value(text, `cnpg_pgbouncer_pools_pool_mode${pool}`), 2, 'transaction is 2');
  assert.equal(value(text, `cnpg_pgbouncer_pools_cl_cancel_req${pool}`), 0, 'a column of another version reads 0');
  assert.equal(value(text, 'cnpg_pgbouncer_stats_total_xact_count{database="app"}'), 12345678901);
  assert.equal(value(text, 'cnpg_pgbouncer_stats_avg_query_time{database="app"}'), 250);
  assert.equal(value(text, 'cnpg_pgbouncer_stats_total_bind_count{database="app"}'), 0);
  assert.equal(value(text, 'cnpg_pgbouncer_collections_total'), 1);
  assert.equal(value(text, 'cnpg_pgbouncer_last_collection_error'), 0);
  assert.equal(value(text, 'cnpg_pgbouncer_up'), 1);
  assert.ok(value(text, 'cnpg_pgbouncer_collection_duration_seconds{collector="Collect.up"}')! >= 0);
});

test('newer PgBouncers\' extra SHOW STATS columns fill their metrics', async () => {
  const m = new PgBouncerMetrics();
  await m.collect((command) =>
    command === 'SHOW STATS' ? Promise.resolve({ columns: STATS_124, rows: [row(STATS_124, { database: 'app', total_server_assignment_count: '5', avg_bind_count: '4' })] }) : console118()(command),
  );
  const text = await m.text();
  assert.equal(value(text, 'cnpg_pgbouncer_stats_total_server_assignment_count{database="app"}'), 5);
  assert.equal(value(text, 'cnpg_pgbouncer_stats_avg_bind_count{database="app"}'), 4);
});

test('a failed command counts as a collection error and empties its metrics; pools and databases that went away are dropped', async () => {
  const m = new PgBouncerMetrics();
  await m.collect(console118());
  await m.collect(console118('SHOW POOLS'));
  const text = await m.text();
  assert.equal(value(text, 'cnpg_pgbouncer_collection_errors_total{collector="SHOW POOLS"}'), 1);
  assert.equal(value(text, 'cnpg_pgbouncer_last_collection_error'), 1);
  assert.equal(value(text, 'cnpg_pgbouncer_up'), 0);
  assert.equal(value(text, 'cnpg_pgbouncer_collections_total'), 2);
  assert.ok(!text.includes('cnpg_pgbouncer_pools_cl_active{'), 'no stale pool samples');
  assert.equal(value(text, 'cnpg_pgbouncer_stats_total_xact_count{database="app"}'), 12345678901, 'the other commands still collected');
  await m.collect(console118());
  assert.equal(value(await m.text(), 'cnpg_pgbouncer_last_collection_error'), 0, 'the next good collection clears it');
});
