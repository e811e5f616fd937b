// Pure: when a ScheduledBackup fires next, and what its Backups are called.
export { everyIntervalMs, nextScheduleTime } from '../api/cron-time.js';

/** `YYYYMMDDhhmmss` in UTC, the suffix of a scheduled Backup's name. */
export function backupNameSuffix(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
