// What PostgreSQL itself says about a server: role, timeline, WAL positions, pending restarts, and
// on a primary its standbys' replication.
import type pg from 'pg';
import { HOT_STANDBY_SETTINGS } from './hot-standby.js';
import { compareLsn, parseLsn } from './lsn.js';

export interface ReplicationInfo {
  applicationName: string;
  state: string;
  sentLsn?: string;
  writeLsn?: string;
  flushLsn?: string;
  replayLsn?: string;
  writeLag?: string;
  flushLag?: string;
  replayLag?: string;
  syncState: string;
  syncPriority: number;
  slotName?: string;
}

/** What PostgreSQL says of itself, as the instance's status reports it. */
export interface PostgresFacts {
  isPrimary?: boolean;
  timeLineID?: number;
  systemID?: string;
  currentLsn?: string;
  receivedLsn?: string;
  replayLsn?: string;
  lagBytes?: number;
  isWalReceiverActive?: boolean;
  pendingRestart: boolean;
  /** A hot-standby-sensitive setting waits for a restart to go down: the primary must restart before its standbys. */
  pendingRestartForDecrease?: boolean;
  replicationInfo: ReplicationInfo[];
  /** A primary's synchronous_standby_names as it runs now: the failover quorum's record of what commits waited for. */
  synchronousStandbyNames?: string;
  /** The server's exact version, "16.13" (its server_version without a distribution's suffix). */
  serverVersion?: string;
  /** When this postmaster started (pg_postmaster_start_time()). */
  postmasterStartTime?: string;
  /** A standby's WAL receiver, while it runs: when it last heard from its primary (pg_stat_wal_receiver.last_msg_receipt_time). */
  walReceiverLastMessageAt?: string;
}

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** A timestamptz as node-postgres returns it (a Date), as an ISO string. */
function isoTime(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/**
 * Running values above what the configuration files now hold (the last entry of a name wins; a name
 * no file sets falls back to the built-in default).
 */
const PENDING_DECREASE = `
  SELECT count(*) FROM pg_settings s
    LEFT JOIN (SELECT DISTINCT ON (name) name, setting FROM pg_file_settings ORDER BY name, seqno DESC) f USING (name)
   WHERE s.pending_restart AND s.name = ANY($1::text[])
     AND coalesce(f.setting, s.boot_val) ~ '^[0-9]+$'
     AND coalesce(f.setting, s.boot_val)::bigint < s.setting::bigint`;

export async function readPostgresFacts(c: pg.ClientBase): Promise<PostgresFacts> {
  const base = await c.query(`
    SELECT pg_is_in_recovery() AS in_recovery,
           (SELECT system_identifier FROM pg_control_system())::text AS system_id,
           (SELECT count(*) FROM pg_settings WHERE pending_restart)::int AS pending_restart,
           (${PENDING_DECREASE})::int AS pending_decrease,
           CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
           pg_last_wal_receive_lsn()::text AS received_lsn,
           pg_last_wal_replay_lsn()::text AS replay_lsn,
           (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli,
           current_setting('server_version') AS server_version,
           pg_postmaster_start_time() AS postmaster_start,
           current_setting('synchronous_standby_names') AS sync_names`, [Object.keys(HOT_STANDBY_SETTINGS)]);
  const row = base.rows[0] as Record<string, unknown>;
  const isPrimary = row.in_recovery === false;
  const facts: PostgresFacts = {
    isPrimary,
    systemID: str(row.system_id),
    pendingRestart: Number(row.pending_restart) > 0,
    pendingRestartForDecrease: Number(row.pending_decrease) > 0,
    currentLsn: str(row.current_lsn),
    receivedLsn: str(row.received_lsn),
    replayLsn: str(row.replay_lsn),
    replicationInfo: [],
    serverVersion: /^\d+(?:\.\d+)?/.exec(String(row.server_version))?.[0],
    postmasterStartTime: isoTime(row.postmaster_start),
  };
  if (isPrimary) {
    facts.synchronousStandbyNames = String(row.sync_names ?? '');
    // The checkpoint's timeline lags right after promotion; the current WAL file name does not.
    const t = await c.query('SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS tli');
    facts.timeLineID = parseInt(String((t.rows[0] as { tli: string }).tli), 16);
    const rep = await c.query(`
      SELECT r.application_name, r.state, r.sent_lsn::text, r.write_lsn::text, r.flush_lsn::text, r.replay_lsn::text,
             r.write_lag::text, r.flush_lag::text, r.replay_lag::text, r.sync_state, r.sync_priority, s.slot_name
        FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
       ORDER BY r.application_name`);
    facts.replicationInfo = rep.rows.map((r: Record<string, unknown>) => ({
      applicationName: String(r.application_name),
      state: String(r.state),
      sentLsn: str(r.sent_lsn),
      writeLsn: str(r.write_lsn),
      flushLsn: str(r.flush_lsn),
      replayLsn: str(r.replay_lsn),
      writeLag: str(r.write_lag),
      flushLag: str(r.flush_lag),
      replayLag: str(r.replay_lag),
      syncState: String(r.sync_state),
      syncPriority: Number(r.sync_priority),
      slotName: str(r.slot_name),
    }));
  } else {
    const w = await c.query('SELECT status, received_tli, last_msg_receipt_time FROM pg_stat_wal_receiver');
    const recv = w.rows[0] as { status?: string; received_tli?: number; last_msg_receipt_time?: unknown } | undefined;
    facts.isWalReceiverActive = recv?.status === 'streaming';
    facts.walReceiverLastMessageAt = isoTime(recv?.last_msg_receipt_time);
    facts.timeLineID = recv?.received_tli ?? Number(row.checkpoint_tli);
    if (facts.receivedLsn && facts.replayLsn && compareLsn(facts.receivedLsn, facts.replayLsn) >= 0) {
      facts.lagBytes = Number(parseLsn(facts.receivedLsn) - parseLsn(facts.replayLsn));
    }
  }
  return facts;
}
