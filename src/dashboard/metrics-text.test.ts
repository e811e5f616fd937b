import test from 'node:test';
import assert from 'node:assert/strict';
import { readInstanceMetrics } from './metrics-text.js';

test('transactions are commits and rollbacks summed over databases; lag is read as given', () => {
  const text = [
    '# HELP cnpg_pg_stat_database_xact_commit Number of transactions in this database that have been committed',
    '# TYPE cnpg_pg_stat_database_xact_commit counter',
    'cnpg_pg_stat_database_xact_commit{datname="app"} 120',
    'cnpg_pg_stat_database_xact_commit{datname="we {ird} name"} 30',
    'cnpg_pg_stat_database_xact_rollback{datname="app"} 5',
    'cnpg_pg_stat_database_xact_rollback_other{datname="app"} 1000',
    'cnpg_pg_replication_lag 0.25',
    '',
  ].join('\n');
  assert.deepEqual(readInstanceMetrics(text), { transactions: 155, lagSeconds: 0.25 });
});

test('an exporter without those families gives nothing, and unreadable lines are skipped', () => {
  assert.deepEqual(readInstanceMetrics('cnpg_collector_up{cluster="a"} 1\ngarbage line here\ncnpg_pg_replication_lag NaNx\n'), {});
});
