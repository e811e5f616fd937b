// Pure: when a ScheduledBackup fires next. Schedules are CloudNativePG's cron dialect (seconds
// first, already normalised by the API layer); `@every <duration>` counts from the last run.
import { Cron } from 'croner';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function everyIntervalMs(schedule: string): number | undefined {
  const m = /^@every\s+(.+)$/.exec(schedule.trim());
  if (!m?.[1]) return undefined;
  let total = 0;
  for (const part of m[1].matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * (UNIT_MS[part[2]!] ?? 0);
  return total > 0 ? total : undefined;
}

/** The first firing strictly after `after`. Times are UTC unless the schedule names a zone. */
export function nextScheduleTime(schedule: string, after: Date): Date | undefined {
  const every = everyIntervalMs(schedule);
  if (every !== undefined) return new Date(after.getTime() + every);
  const zone = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(schedule);
  const pattern = zone ? schedule.slice(zone[0].length) : schedule;
  return new Cron(pattern, { paused: true, timezone: zone?.[1] ?? 'UTC' }).nextRun(after) ?? undefined;
}

/** `YYYYMMDDhhmmss` in UTC, the suffix of a scheduled Backup's name. */
export function backupNameSuffix(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
