// The queries every instance runs unless spec.monitoring.disableDefaultQueries: CloudNativePG's
// default set (its `cnpg-default-monitoring` ConfigMap) in the same custom-query format, with the
// same query keys, columns and usages, so its dashboards and alerts find the metric names they expect.
// Every object is schema-qualified: the exporter's search_path is not trusted to be the default.
import { parseMonitoringQueries, type MonitoringQuery } from './monitoring-queries.js';

export const DEFAULT_MONITORING_QUERIES = `
backends:
  query: |
    WITH known(state) AS (
      VALUES ('active'), ('idle'), ('idle in transaction'), ('idle in transaction (aborted)'),
             ('fastpath function call'), ('disabled')
    ), grouped AS (
      SELECT a.datname, a.usename, COALESCE(a.application_name, '') AS application_name, a.state,
             pg_catalog.count(*) AS total,
             COALESCE(EXTRACT(EPOCH FROM pg_catalog.max(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) a.xact_start)), 0) AS max_tx_duration_seconds
        FROM pg_catalog.pg_stat_activity a
       WHERE a.usename IS NOT NULL
       GROUP BY a.datname, a.usename, COALESCE(a.application_name, ''), a.state
    )
    SELECT g.datname, g.usename, g.application_name, k.state, g.total, g.max_tx_duration_seconds
      FROM known k JOIN grouped g ON g.state OPERATOR(pg_catalog.=) k.state
  metrics:
    - datname: { usage: LABEL, description: "Database the backends are connected to" }
    - usename: { usage: LABEL, description: "Role the backends logged in as" }
    - application_name: { usage: LABEL, description: "application_name the backends set" }
    - state: { usage: LABEL, description: "What the backends are doing" }
    - total: { usage: GAUGE, description: "Backends in this state" }
    - max_tx_duration_seconds: { usage: GAUGE, description: "Age in seconds of the oldest open transaction among these backends" }

backends_waiting:
  query: |
    SELECT pg_catalog.count(*) AS total
      FROM pg_catalog.pg_stat_activity a
     WHERE pg_catalog.cardinality(pg_catalog.pg_blocking_pids(a.pid)) OPERATOR(pg_catalog.>) 0
  metrics:
    - total: { usage: GAUGE, description: "Backends waiting for a lock another backend holds" }

pg_database:
  query: |
    SELECT d.datname,
           pg_catalog.pg_database_size(d.oid) AS size_bytes,
           pg_catalog.age(d.datfrozenxid) AS xid_age,
           pg_catalog.mxid_age(d.datminmxid) AS mxid_age
      FROM pg_catalog.pg_database d
     WHERE d.datallowconn
  metrics:
    - datname: { usage: LABEL, description: "Database" }
    - size_bytes: { usage: GAUGE, description: "Disk space the database uses, in bytes" }
    - xid_age: { usage: GAUGE, description: "Transactions since the database's oldest unfrozen transaction ID (wraparound comes at 2^31)" }
    - mxid_age: { usage: GAUGE, description: "Multixacts since the database's oldest unfrozen multixact ID" }

pg_postmaster:
  query: |
    SELECT EXTRACT(EPOCH FROM pg_catalog.pg_postmaster_start_time()) AS start_time
  metrics:
    - start_time: { usage: GAUGE, description: "When PostgreSQL started, as a Unix time" }

pg_replication:
  query: |
    SELECT CASE
             WHEN NOT pg_catalog.pg_is_in_recovery() THEN 0
             WHEN pg_catalog.pg_last_wal_receive_lsn() OPERATOR(pg_catalog.=) pg_catalog.pg_last_wal_replay_lsn() THEN 0
             ELSE GREATEST(0, COALESCE(EXTRACT(EPOCH FROM pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.pg_last_xact_replay_timestamp()), 0))
           END AS lag,
           pg_catalog.pg_is_in_recovery() AS in_recovery,
           (SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 FROM pg_catalog.pg_stat_wal_receiver) AS is_wal_receiver_up,
           (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication) AS streaming_replicas
  metrics:
    - lag: { usage: GAUGE, description: "Seconds since the last replayed transaction was committed on the primary (0 on a primary or a standby that replayed all it received)" }
    - in_recovery: { usage: GAUGE, description: "1 on a standby, 0 on a primary" }
    - is_wal_receiver_up: { usage: GAUGE, description: "1 while a WAL receiver streams from the primary" }
    - streaming_replicas: { usage: GAUGE, description: "Standbys streaming from this instance" }

pg_replication_slots:
  query: |
    SELECT s.slot_name, s.slot_type, COALESCE(s.database, '') AS database,
           s.active,
           pg_catalog.pg_wal_lsn_diff(
             CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn() ELSE pg_catalog.pg_current_wal_lsn() END,
             s.restart_lsn) AS pg_wal_lsn_diff
      FROM pg_catalog.pg_replication_slots s
     WHERE NOT s.temporary
  metrics:
    - slot_name: { usage: LABEL, description: "Slot" }
    - slot_type: { usage: LABEL, description: "physical or logical" }
    - database: { usage: LABEL, description: "Database of a logical slot" }
    - active: { usage: GAUGE, description: "1 while a client uses the slot" }
    - pg_wal_lsn_diff: { usage: GAUGE, description: "Bytes of WAL the slot holds back" }

pg_stat_archiver:
  predicate_query: |
    SELECT NOT pg_catalog.pg_is_in_recovery() OR pg_catalog.current_setting('archive_mode') OPERATOR(pg_catalog.=) 'always'
  query: |
    WITH a AS (
      SELECT archived_count, failed_count, last_archived_time, last_failed_time, stats_reset,
             pg_catalog.substr(last_archived_wal, 9, 16) AS archived_position,
             pg_catalog.substr(last_failed_wal, 9, 16) AS failed_position
        FROM pg_catalog.pg_stat_archiver
    )
    SELECT archived_count, failed_count,
           COALESCE(EXTRACT(EPOCH FROM pg_catalog.now() OPERATOR(pg_catalog.-) last_archived_time), -1) AS seconds_since_last_archival,
           COALESCE(EXTRACT(EPOCH FROM pg_catalog.now() OPERATOR(pg_catalog.-) last_failed_time), -1) AS seconds_since_last_failure,
           COALESCE(EXTRACT(EPOCH FROM last_archived_time), -1) AS last_archived_time,
           COALESCE(EXTRACT(EPOCH FROM last_failed_time), -1) AS last_failed_time,
           CASE WHEN archived_position ~ '^[0-9A-F]{16}$' THEN ('x' OPERATOR(pg_catalog.||) archived_position)::pg_catalog.bit(64)::pg_catalog.int8 ELSE -1 END AS last_archived_wal_start_lsn,
           CASE WHEN failed_position ~ '^[0-9A-F]{16}$' THEN ('x' OPERATOR(pg_catalog.||) failed_position)::pg_catalog.bit(64)::pg_catalog.int8 ELSE -1 END AS last_failed_wal_start_lsn,
           EXTRACT(EPOCH FROM stats_reset) AS stats_reset_time
      FROM a
  metrics:
    - archived_count: { usage: COUNTER, description: "WAL files archived" }
    - failed_count: { usage: COUNTER, description: "Failed attempts to archive a WAL file" }
    - seconds_since_last_archival: { usage: GAUGE, description: "Seconds since the last WAL file was archived (-1 never)" }
    - seconds_since_last_failure: { usage: GAUGE, description: "Seconds since the last archiving failure (-1 never)" }
    - last_archived_time: { usage: GAUGE, description: "Unix time of the last archived WAL file (-1 never)" }
    - last_failed_time: { usage: GAUGE, description: "Unix time of the last archiving failure (-1 never)" }
    - last_archived_wal_start_lsn: { usage: GAUGE, description: "Where the last archived WAL file starts, as a number (-1 never)" }
    - last_failed_wal_start_lsn: { usage: GAUGE, description: "Where the last WAL file that failed to archive starts, as a number (-1 never)" }
    - stats_reset_time: { usage: GAUGE, description: "Unix time these statistics were last reset" }

pg_stat_bgwriter:
  runonserver: "<17.0.0"
  query: |
    SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time, checkpoint_sync_time,
           buffers_checkpoint, buffers_clean, maxwritten_clean, buffers_backend,
           buffers_backend_fsync, buffers_alloc
      FROM pg_catalog.pg_stat_bgwriter
  metrics:
    - checkpoints_timed: { usage: COUNTER, description: "Checkpoints started because checkpoint_timeout passed" }
    - checkpoints_req: { usage: COUNTER, description: "Checkpoints requested (WAL volume, CHECKPOINT, shutdown)" }
    - checkpoint_write_time: { usage: COUNTER, description: "Milliseconds checkpoints spent writing files" }
    - checkpoint_sync_time: { usage: COUNTER, description: "Milliseconds checkpoints spent syncing files to disk" }
    - buffers_checkpoint: { usage: COUNTER, description: "Buffers written by checkpoints" }
    - buffers_clean: { usage: COUNTER, description: "Buffers written by the background writer" }
    - maxwritten_clean: { usage: COUNTER, description: "Times the background writer stopped a round for writing too many buffers" }
    - buffers_backend: { usage: COUNTER, description: "Buffers written by backends themselves" }
    - buffers_backend_fsync: { usage: COUNTER, description: "Times a backend had to fsync itself" }
    - buffers_alloc: { usage: COUNTER, description: "Buffers allocated" }

pg_stat_bgwriter_17:
  name: pg_stat_bgwriter
  runonserver: ">=17.0.0"
  query: |
    SELECT buffers_clean, maxwritten_clean, buffers_alloc,
           EXTRACT(EPOCH FROM stats_reset) AS stats_reset_time
      FROM pg_catalog.pg_stat_bgwriter
  metrics:
    - buffers_clean: { usage: COUNTER, description: "Buffers written by the background writer" }
    - maxwritten_clean: { usage: COUNTER, description: "Times the background writer stopped a round for writing too many buffers" }
    - buffers_alloc: { usage: COUNTER, description: "Buffers allocated" }
    - stats_reset_time: { usage: GAUGE, description: "Unix time these statistics were last reset" }

pg_stat_checkpointer:
  runonserver: ">=17.0.0"
  query: |
    SELECT num_timed AS checkpoints_timed, num_requested AS checkpoints_req,
           restartpoints_timed, restartpoints_req, restartpoints_done,
           write_time, sync_time, buffers_written,
           EXTRACT(EPOCH FROM stats_reset) AS stats_reset_time
      FROM pg_catalog.pg_stat_checkpointer
  metrics:
    - checkpoints_timed: { usage: COUNTER, description: "Scheduled checkpoints" }
    - checkpoints_req: { usage: COUNTER, description: "Requested checkpoints" }
    - restartpoints_timed: { usage: COUNTER, description: "Scheduled restartpoints (on a standby)" }
    - restartpoints_req: { usage: COUNTER, description: "Requested restartpoints (on a standby)" }
    - restartpoints_done: { usage: COUNTER, description: "Restartpoints carried out" }
    - write_time: { usage: COUNTER, description: "Milliseconds checkpoints and restartpoints spent writing files" }
    - sync_time: { usage: COUNTER, description: "Milliseconds checkpoints and restartpoints spent syncing files to disk" }
    - buffers_written: { usage: COUNTER, description: "Buffers written by checkpoints and restartpoints" }
    - stats_reset_time: { usage: GAUGE, description: "Unix time these statistics were last reset" }

pg_stat_database:
  query: |
    SELECT datname, xact_commit, xact_rollback, blks_read, blks_hit,
           tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted,
           conflicts, temp_files, temp_bytes, deadlocks, blk_read_time, blk_write_time
      FROM pg_catalog.pg_stat_database
     WHERE datname IS NOT NULL
  metrics:
    - datname: { usage: LABEL, description: "Database" }
    - xact_commit: { usage: COUNTER, description: "Transactions committed" }
    - xact_rollback: { usage: COUNTER, description: "Transactions rolled back" }
    - blks_read: { usage: COUNTER, description: "Blocks read from disk" }
    - blks_hit: { usage: COUNTER, description: "Blocks found in shared buffers" }
    - tup_returned: { usage: COUNTER, description: "Rows returned by sequential scans and index entries read" }
    - tup_fetched: { usage: COUNTER, description: "Rows fetched by index scans" }
    - tup_inserted: { usage: COUNTER, description: "Rows inserted" }
    - tup_updated: { usage: COUNTER, description: "Rows updated" }
    - tup_deleted: { usage: COUNTER, description: "Rows deleted" }
    - conflicts: { usage: COUNTER, description: "Queries cancelled by recovery conflicts (standbys)" }
    - temp_files: { usage: COUNTER, description: "Temporary files created" }
    - temp_bytes: { usage: COUNTER, description: "Bytes written to temporary files" }
    - deadlocks: { usage: COUNTER, description: "Deadlocks detected" }
    - blk_read_time: { usage: COUNTER, description: "Milliseconds spent reading blocks (track_io_timing)" }
    - blk_write_time: { usage: COUNTER, description: "Milliseconds spent writing blocks (track_io_timing)" }

pg_stat_replication:
  primary: true
  query: |
    SELECT r.usename,
           COALESCE(r.application_name, '') AS application_name,
           COALESCE(pg_catalog.host(r.client_addr), '') AS client_addr,
           COALESCE(r.client_port::pg_catalog.text, '') AS client_port,
           EXTRACT(EPOCH FROM r.backend_start) AS backend_start,
           COALESCE(pg_catalog.age(r.backend_xmin), 0) AS backend_xmin_age,
           pg_catalog.pg_wal_lsn_diff(w.lsn, r.sent_lsn) AS sent_diff_bytes,
           pg_catalog.pg_wal_lsn_diff(w.lsn, r.write_lsn) AS write_diff_bytes,
           pg_catalog.pg_wal_lsn_diff(w.lsn, r.flush_lsn) AS flush_diff_bytes,
           COALESCE(pg_catalog.pg_wal_lsn_diff(w.lsn, r.replay_lsn), 0) AS replay_diff_bytes,
           COALESCE(EXTRACT(EPOCH FROM r.write_lag), 0)::pg_catalog.float8 AS write_lag_seconds,
           COALESCE(EXTRACT(EPOCH FROM r.flush_lag), 0)::pg_catalog.float8 AS flush_lag_seconds,
           COALESCE(EXTRACT(EPOCH FROM r.replay_lag), 0)::pg_catalog.float8 AS replay_lag_seconds
      FROM pg_catalog.pg_stat_replication r, (SELECT pg_catalog.pg_current_wal_lsn() AS lsn) w
  metrics:
    - usename: { usage: LABEL, description: "Role the standby logged in as" }
    - application_name: { usage: LABEL, description: "The standby's application_name (its instance name)" }
    - client_addr: { usage: LABEL, description: "The standby's address" }
    - client_port: { usage: LABEL, description: "The standby's port" }
    - backend_start: { usage: COUNTER, description: "Unix time the standby connected" }
    - backend_xmin_age: { usage: COUNTER, description: "Transactions since the standby's xmin (hot_standby_feedback)" }
    - sent_diff_bytes: { usage: GAUGE, description: "Bytes of WAL not yet sent to the standby" }
    - write_diff_bytes: { usage: GAUGE, description: "Bytes of WAL the standby has not yet written" }
    - flush_diff_bytes: { usage: GAUGE, description: "Bytes of WAL the standby has not yet flushed" }
    - replay_diff_bytes: { usage: GAUGE, description: "Bytes of WAL the standby has not yet replayed" }
    - write_lag_seconds: { usage: GAUGE, description: "Seconds until recent WAL was written on the standby" }
    - flush_lag_seconds: { usage: GAUGE, description: "Seconds until recent WAL was flushed on the standby" }
    - replay_lag_seconds: { usage: GAUGE, description: "Seconds until recent WAL was replayed on the standby" }

pg_settings:
  query: |
    SELECT s.name,
           CASE s.setting WHEN 'on' THEN '1' WHEN 'off' THEN '0' ELSE s.setting END AS setting
      FROM pg_catalog.pg_settings s
     WHERE s.vartype OPERATOR(pg_catalog.=) ANY (ARRAY['bool', 'integer', 'real'])
     ORDER BY s.name
  metrics:
    - name: { usage: LABEL, description: "Setting" }
    - setting: { usage: GAUGE, description: "The setting's value in its base unit (on is 1, off is 0)" }

pg_extensions:
  target_databases: ['*']
  query: |
    SELECT pg_catalog.current_database() AS datname, e.name AS extname,
           e.default_version, e.installed_version,
           CASE WHEN e.default_version IS DISTINCT FROM e.installed_version THEN 1 ELSE 0 END AS update_available
      FROM pg_catalog.pg_available_extensions e
     WHERE e.installed_version IS NOT NULL
  metrics:
    - datname: { usage: LABEL, description: "Database the extension is installed in" }
    - extname: { usage: LABEL, description: "Extension" }
    - default_version: { usage: LABEL, description: "Version ALTER EXTENSION ... UPDATE would install" }
    - installed_version: { usage: LABEL, description: "Version installed" }
    - update_available: { usage: GAUGE, description: "1 when a newer version of the extension is available" }
`;

/** The default set, parsed; a finding here is a defect of this file, which its unit test catches. */
export function defaultMonitoringQueries(): MonitoringQuery[] {
  const { queries, findings } = parseMonitoringQueries(DEFAULT_MONITORING_QUERIES);
  if (findings.length > 0) throw new Error(`the default monitoring queries do not parse: ${findings.map((f) => `${f.path} ${f.message}`).join('; ')}`);
  return queries;
}
