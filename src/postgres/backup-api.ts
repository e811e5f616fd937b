// PostgreSQL's low-level (non-exclusive) base backup API, named per major: pg_backup_start and
// pg_backup_stop since 15, pg_start_backup and pg_stop_backup (exclusive: false) before.

export interface BackupApi {
  /** $1 the label, $2 fast (an immediate checkpoint); returns `lsn`. */
  start: string;
  /** $1 wait for the archive; returns `lsn`, `labelfile`, `spcmapfile`. */
  stop: string;
}

export function backupApi(serverVersionNum: number): BackupApi {
  if (serverVersionNum >= 150000) {
    return {
      start: 'SELECT pg_catalog.pg_backup_start($1, $2)::text AS lsn',
      stop: 'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop($1)',
    };
  }
  return {
    start: 'SELECT pg_catalog.pg_start_backup($1, $2, false)::text AS lsn',
    stop: 'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_catalog.pg_stop_backup(false, $1)',
  };
}

/** The backup's timeline, from the backup_label pg_backup_stop returned (START TIMELINE, since 11). */
export function labelTimeline(label: string): number | undefined {
  const m = /^START TIMELINE: (\d+)$/m.exec(label);
  return m?.[1] ? Number(m[1]) : undefined;
}

/** The user tablespaces with a location outside PGDATA (an in-place one is part of PGDATA's copy). */
export const TABLESPACES_QUERY = `SELECT oid::bigint AS oid, spcname AS name, pg_catalog.pg_tablespace_location(oid) AS location
  FROM pg_catalog.pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid`;
