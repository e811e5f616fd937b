import test from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING_QUERIES, defaultMonitoringQueries } from './default-monitoring-queries.js';
import { parseMonitoringQueries } from './monitoring-queries.js';

/** CloudNativePG's default set (reference 6.2): query key -> [labels, metric columns with their usage]. */
const EXPECTED: Record<string, { name?: string; labels: string[]; metrics: Record<string, 'GAUGE' | 'COUNTER'>; primary?: boolean; runOnServer?: string; targets?: string[]; predicate?: boolean }> = {
  backends: { labels: ['datname', 'usename', 'application_name', 'state'], metrics: { total: 'GAUGE', max_tx_duration_seconds: 'GAUGE' } },
  backends_waiting: { labels: [], metrics: { total: 'GAUGE' } },
  pg_database: { labels: ['datname'], metrics: { size_bytes: 'GAUGE', xid_age: 'GAUGE', mxid_age: 'GAUGE' } },
  pg_postmaster: { labels: [], metrics: { start_time: 'GAUGE' } },
  pg_replication: { labels: [], metrics: { lag: 'GAUGE', in_recovery: 'GAUGE', is_wal_receiver_up: 'GAUGE', streaming_replicas: 'GAUGE' } },
  pg_replication_slots: { labels: ['slot_name', 'slot_type', 'database'], metrics: { active: 'GAUGE', pg_wal_lsn_diff: 'GAUGE' } },
  pg_stat_archiver: {
    labels: [],
    predicate: true,
    metrics: {
      archived_count: 'COUNTER',
      failed_count: 'COUNTER',
      seconds_since_last_archival: 'GAUGE',
      seconds_since_last_failure: 'GAUGE',
      last_archived_time: 'GAUGE',
      last_failed_time: 'GAUGE',
      last_archived_wal_start_lsn: 'GAUGE',
      last_failed_wal_start_lsn: 'GAUGE',
      stats_reset_time: 'GAUGE',
    },
  },
  pg_stat_bgwriter: {
    labels: [],
    runOnServer: '<17.0.0',
    metrics: Object.fromEntries(
      ['checkpoints_timed', 'checkpoints_req', 'checkpoint_write_time', 'checkpoint_sync_time', 'buffers_checkpoint', 'buffers_clean', 'maxwritten_clean', 'buffers_backend', 'buffers_backend_fsync', 'buffers_alloc'].map((c) => [c, 'COUNTER' as const]),
    ),
  },
  pg_stat_bgwriter_17: { name: 'pg_stat_bgwriter', labels: [], runOnServer: '>=17.0.0', metrics: { buffers_clean: 'COUNTER', maxwritten_clean: 'COUNTER', buffers_alloc: 'COUNTER', stats_reset_time: 'GAUGE' } },
  pg_stat_checkpointer: {
    labels: [],
    runOnServer: '>=17.0.0',
    metrics: {
      checkpoints_timed: 'COUNTER',
      checkpoints_req: 'COUNTER',
      restartpoints_timed: 'COUNTER',
      restartpoints_req: 'COUNTER',
      restartpoints_done: 'COUNTER',
      write_time: 'COUNTER',
      sync_time: 'COUNTER',
      buffers_written: 'COUNTER',
      stats_reset_time: 'GAUGE',
    },
  },
  pg_stat_database: {
    labels: ['datname'],
    metrics: Object.fromEntries(
      ['xact_commit', 'xact_rollback', 'blks_read', 'blks_hit', 'tup_returned', 'tup_fetched', 'tup_inserted', 'tup_updated', 'tup_deleted', 'conflicts', 'temp_files', 'temp_bytes', 'deadlocks', 'blk_read_time', 'blk_write_time'].map((c) => [c, 'COUNTER' as const]),
    ),
  },
  pg_stat_replication: {
    labels: ['usename', 'application_name', 'client_addr', 'client_port'],
    primary: true,
    metrics: {
      backend_start: 'COUNTER',
      backend_xmin_age: 'COUNTER',
      sent_diff_bytes: 'GAUGE',
      write_diff_bytes: 'GAUGE',
      flush_diff_bytes: 'GAUGE',
      replay_diff_bytes: 'GAUGE',
      write_lag_seconds: 'GAUGE',
      flush_lag_seconds: 'GAUGE',
      replay_lag_seconds: 'GAUGE',
    },
  },
  pg_settings: { labels: ['name'], metrics: { setting: 'GAUGE' } },
  pg_extensions: { labels: ['datname', 'extname', 'default_version', 'installed_version'], targets: ['*'], metrics: { update_available: 'GAUGE' } },
};

test('the default set parses without a finding', () => {
  assert.deepEqual(parseMonitoringQueries(DEFAULT_MONITORING_QUERIES).findings, []);
});

test('the default set has CloudNativePG’s queries, labels, metric columns, usages and conditions', () => {
  const queries = defaultMonitoringQueries();
  assert.deepEqual(queries.map((q) => q.key).sort(), Object.keys(EXPECTED).sort());
  for (const q of queries) {
    const want = EXPECTED[q.key]!;
    assert.equal(q.name, want.name, `${q.key}: name`);
    assert.deepEqual(q.columns.filter((c) => c.usage === 'LABEL').map((c) => c.column), want.labels, `${q.key}: labels`);
    assert.deepEqual(Object.fromEntries(q.columns.filter((c) => c.usage !== 'LABEL').map((c) => [c.column, c.usage])), want.metrics, `${q.key}: metrics`);
    assert.equal(q.primary, want.primary ?? false, `${q.key}: primary`);
    assert.equal(q.runOnServer, want.runOnServer, `${q.key}: runonserver`);
    assert.deepEqual(q.targetDatabases, want.targets, `${q.key}: target_databases`);
    assert.equal(q.predicateQuery !== undefined, want.predicate ?? false, `${q.key}: predicate_query`);
    for (const c of q.columns) assert.ok(c.description.length > 0, `${q.key}.${c.column} has a description`);
  }
});
