// Settings a hot standby must keep at least as high as the server whose WAL it replays: PostgreSQL
// records the primary's values in the WAL and in the control file, and a standby with a lower one
// refuses to start ("recovery aborted because of insufficient parameter settings").
import { parseControlData } from './controldata.js';

/** Each setting with the label pg_controldata prints for the value it recorded, and the built-in default. */
export const HOT_STANDBY_SETTINGS: Record<string, { label: string; builtIn: number }> = {
  max_connections: { label: 'max_connections setting', builtIn: 100 },
  max_worker_processes: { label: 'max_worker_processes setting', builtIn: 8 },
  max_wal_senders: { label: 'max_wal_senders setting', builtIn: 10 },
  max_prepared_transactions: { label: 'max_prepared_xacts setting', builtIn: 0 },
  max_locks_per_transaction: { label: 'max_locks_per_xact setting', builtIn: 64 },
};

/**
 * From pg_controldata's output (LC_ALL=C): the settings `configured` has lower than the values the
 * control file recorded, raised to those values; a setting not configured counts at its default.
 */
export function hotStandbyMinimums(pgControlData: string, configured: Record<string, string>): Record<string, string> {
  const recorded = parseControlData(pgControlData);
  const raised: Record<string, string> = {};
  for (const [guc, { label, builtIn }] of Object.entries(HOT_STANDBY_SETTINGS)) {
    const value = recorded.get(label);
    if (value === undefined || !/^\d+$/.test(value)) continue;
    const needed = Number(value);
    const current = Number(configured[guc] ?? builtIn);
    if (!(current >= needed)) raised[guc] = String(needed);
  }
  return raised;
}
