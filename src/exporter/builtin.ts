// The built-in cnpg_collector_* family: what the instance manager knows of its PostgreSQL (up,
// version, WAL directory, archive status, pg_stat_wal, synchronous standbys) and the cluster facts
// the operator handed over (fencing, replica mode, backups, nodes).
import type { FamilySet } from './family.js';
import type { MetricsConnections } from './connections.js';
import type { ClusterFacts, ExporterSettings } from './settings.js';
import { parseServerVersion } from './version-range.js';

export const COLLECTOR = 'cnpg_collector';
/** barman-cloud.cloudnative-pg.io as a metric namespace, as the plugin names its metrics. */
export const BARMAN_CLOUD_METRICS = 'barman_cloud_cloudnative_pg_io';

export interface InstanceFacts {
  isPrimary: boolean;
  /** server_version, `15.4` */
  version: string;
  synchronousStandbyNames: string;
}

/** Failures of one collection, keyed by the `collector` label CloudNativePG counts them under. */
export type CollectorErrors = Map<string, string>;

const FACTS_SQL = `SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
  pg_catalog.current_setting('server_version') AS version,
  pg_catalog.current_setting('synchronous_standby_names') AS sync_names`;

// Sizes in segments, as CloudNativePG reports them; max_slot_wal_keep_size -1 means no limit.
const WAL_SQL = `WITH s AS (SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('wal_segment_size'))::pg_catalog.float8 AS seg)
SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_ls_waldir() w WHERE w.name ~ '^[0-9A-F]{24}$') AS count,
  s.seg AS segment_size,
  pg_catalog.pg_size_bytes(pg_catalog.current_setting('min_wal_size')) / s.seg AS min,
  pg_catalog.pg_size_bytes(pg_catalog.current_setting('max_wal_size')) / s.seg AS max,
  pg_catalog.pg_size_bytes(pg_catalog.current_setting('wal_keep_size')) / s.seg AS keep,
  CASE WHEN pg_catalog.current_setting('max_slot_wal_keep_size') OPERATOR(pg_catalog.=) '-1' THEN 'NaN'::pg_catalog.float8
       ELSE pg_catalog.pg_size_bytes(pg_catalog.current_setting('max_slot_wal_keep_size')) / s.seg END AS slots_max
FROM s`;

const ARCHIVE_STATUS_SQL = `SELECT pg_catalog.count(*) FILTER (WHERE name LIKE '%.ready') AS ready,
  pg_catalog.count(*) FILTER (WHERE name LIKE '%.done') AS done
FROM pg_catalog.pg_ls_archive_statusdir()`;

const STAT_WAL_SQL = 'SELECT * FROM pg_catalog.pg_stat_wal';

/** pg_stat_wal's columns and the metric each becomes (PostgreSQL 18 dropped the write/sync ones). */
const STAT_WAL_COLUMNS: [string, string, string][] = [
  ['wal_records', 'wal_records', 'Total number of WAL records generated'],
  ['wal_fpi', 'wal_fpi', 'Total number of WAL full page images generated'],
  ['wal_bytes', 'wal_bytes', 'Total amount of WAL generated in bytes'],
  ['wal_buffers_full', 'wal_buffers_full', 'Times WAL data was written to disk because the WAL buffers were full'],
  ['wal_write', 'wal_write', 'Times WAL buffers were written out to disk'],
  ['wal_sync', 'wal_sync', 'Times WAL files were synced to disk'],
  ['wal_write_time', 'wal_write_time', 'Milliseconds spent writing WAL buffers to disk (track_wal_io_timing)'],
  ['wal_sync_time', 'wal_sync_time', 'Milliseconds spent syncing WAL files to disk (track_wal_io_timing)'],
];

const num = (v: string | null | undefined): number => (v === null || v === undefined ? NaN : Number(v));

/** How many synchronous standbys synchronous_standby_names asks for: `ANY 2 (...)` is 2, a plain list 1, empty 0. */
export function requestedSyncStandbys(names: string): number {
  if (names.trim() === '') return 0;
  const m = /^\s*(?:(?:FIRST|ANY)\s+)?(\d+)\s*\(/i.exec(names);
  return m ? Number(m[1]) : 1;
}

const unixTime = (rfc3339: string | undefined): number => {
  const ms = rfc3339 ? Date.parse(rfc3339) : NaN;
  return Number.isNaN(ms) ? 0 : ms / 1000;
};

/** The facts-only part: reported whether or not PostgreSQL answers (a fenced instance is down on purpose). */
export function addClusterFacts(into: FamilySet, settings: ExporterSettings): void {
  const facts: ClusterFacts = settings.monitoring.facts;
  const g = (name: string, help: string, value: number, labels: Record<string, string> = {}) => into.add(`${COLLECTOR}_${name}`, help, 'gauge', { labels, value });
  g('fencing_on', '1 if the instance is fenced, 0 otherwise', settings.fenced ? 1 : 0);
  g('manual_switchover_required', '1 if a manual switchover is required, 0 otherwise', facts.manualSwitchoverRequired ? 1 : 0);
  g('replica_mode', '1 if the cluster is in replica mode, 0 otherwise', facts.replicaMode ? 1 : 0);
  g('nodes_used', 'Distinct nodes hosting the instances (-1 when unknown)', facts.nodesUsed);
  g('first_recoverability_point', 'The first point of recoverability of the cluster as a Unix time (deprecated)', unixTime(facts.firstRecoverabilityPoint));
  g('last_available_backup_timestamp', 'The last available backup as a Unix time (deprecated)', unixTime(facts.lastAvailableBackup));
  g('last_failed_backup_timestamp', 'The last failed backup as a Unix time (deprecated)', unixTime(facts.lastFailedBackup));
  if (facts.barmanCloudPlugin) {
    // The Barman Cloud plugin's own names for the same three figures, so its dashboards and alerts read them.
    const p = (name: string, help: string, value: number) => into.add(`${BARMAN_CLOUD_METRICS}_${name}`, help, 'gauge', { labels: {}, value });
    p('first_recoverability_point', 'The first point of recoverability for the cluster as a unix timestamp', unixTime(facts.firstRecoverabilityPoint));
    p('last_available_backup_timestamp', 'The last available backup as a unix timestamp', unixTime(facts.lastAvailableBackup));
    p('last_failed_backup_timestamp', 'The last failed backup as a unix timestamp', unixTime(facts.lastFailedBackup));
  }
  for (const value of ['min', 'max', 'expected'] as const) g('sync_replicas', 'Synchronous replicas: configured bounds, expected now and observed in synchronous_standby_names', facts.syncReplicas[value], { value });
}

/** Reads the instance's facts; throws when PostgreSQL does not answer. */
export async function readInstanceFacts(conns: MetricsConnections, database: string): Promise<InstanceFacts> {
  const row = (await conns.readOnly(database, FACTS_SQL))!.rows[0]!;
  return { isPrimary: row.in_recovery === 'f', version: row.version ?? '', synchronousStandbyNames: row.sync_names ?? '' };
}

/** Everything that needs PostgreSQL; each part that fails is recorded and the others still report. */
export async function addInstanceMetrics(into: FamilySet, conns: MetricsConnections, settings: ExporterSettings, instance: InstanceFacts, errors: CollectorErrors): Promise<void> {
  const db = settings.defaultDatabase;
  const g = (name: string, help: string, value: number, labels: Record<string, string> = {}) => into.add(`${COLLECTOR}_${name}`, help, 'gauge', { labels, value });
  const step = async (label: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      errors.set(label, (e as Error).message);
    }
  };
  await step('Collect.PGVersion', async () => {
    const [major, minor] = parseServerVersion(instance.version);
    const full = `${major}.${minor}`;
    g('postgres_version', 'Postgres version', Number(full), { full, cluster: settings.cluster });
  });
  if (instance.isPrimary) {
    g('sync_replicas', 'Synchronous replicas: configured bounds, expected now and observed in synchronous_standby_names', requestedSyncStandbys(instance.synchronousStandbyNames), { value: 'observed' });
  }
  await step('Collect.PGWalSettings', async () => {
    const w = (await conns.readOnly(db, WAL_SQL))!.rows[0]!;
    const help = 'WAL segments in pg_wal (count), their size in bytes (size), and min_wal_size, max_wal_size, wal_keep_size, max_slot_wal_keep_size and the WAL volume in segments';
    const volume = settings.monitoring.facts.walVolumeBytes;
    const values: Record<string, number> = {
      count: num(w.count),
      size: num(w.count) * num(w.segment_size),
      min: num(w.min),
      max: num(w.max),
      keep: num(w.keep),
      slots_max: num(w.slots_max),
      volume_size: volume ?? NaN,
      volume_max: volume === undefined ? NaN : volume / num(w.segment_size),
    };
    for (const [value, n] of Object.entries(values)) g('pg_wal', help, n, { value });
  });
  await step('Collect.PgWALArchiveStats', async () => {
    const a = (await conns.readOnly(db, ARCHIVE_STATUS_SQL))!.rows[0]!;
    for (const value of ['ready', 'done']) g('pg_wal_archive_status', 'WAL segments in pg_wal/archive_status waiting to be archived (ready) and archived (done)', num(a[value]), { value });
  });
  if (parseServerVersion(instance.version)[0] >= 14) {
    await step('Collect.PGWALStat', async () => {
      const s = (await conns.readOnly(db, STAT_WAL_SQL))!.rows[0]!;
      const labels = { stats_reset: s.stats_reset ?? '' };
      for (const [column, name, help] of STAT_WAL_COLUMNS) if (column in s) g(name, `${help}. Only available on PG 14+`, num(s[column]), labels);
    });
  }
}
