import test from 'node:test';
import assert from 'node:assert/strict';
import { instanceMetricsFrom } from './instance-metrics.js';

test('database sizes and archiver counters are read from an exporter page', () => {
  const page = [
    '# HELP cnpg_pg_database_size_bytes Disk space used by the database',
    '# TYPE cnpg_pg_database_size_bytes gauge',
    'cnpg_pg_database_size_bytes{datname="app"} 7593763',
    'cnpg_pg_database_size_bytes{datname="we\\"ird"} 100',
    'cnpg_pg_stat_archiver_archived_count 12',
    'cnpg_pg_stat_archiver_failed_count 3',
    'cnpg_pg_stat_archiver_last_failed_time 1767225600',
    'cnpg_collector_up{cluster="pg"} 1',
  ].join('\n');
  assert.deepEqual(instanceMetricsFrom(page), {
    databaseSizes: { app: 7593763, 'we"ird': 100 },
    archiver: { archivedCount: 12, failedCount: 3, lastFailedTime: '2026-01-01T00:00:00.000Z' },
  });
  assert.deepEqual(instanceMetricsFrom('cnpg_pg_stat_archiver_last_failed_time -1\n'), { databaseSizes: {} }, 'a standby reports no archiver');
});
