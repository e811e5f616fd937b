// When a normalised schedule (CloudNativePG's cron dialect, seconds first, or a descriptor) fires,
// computed with croner. `@every <duration>` counts from the previous run. Times are UTC unless the
// schedule names a zone.
import { Cron } from 'croner';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const ZONE = /^(?:CRON_TZ|TZ)=(\S+)\s+/;

export function everyIntervalMs(schedule: string): number | undefined {
  const m = /^@every\s+(.+)$/.exec(schedule.trim());
  if (!m?.[1]) return undefined;
  let total = 0;
  for (const part of m[1].matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * (UNIT_MS[part[2]!] ?? 0);
  return total > 0 ? total : undefined;
}

/** croner's reading of a cron schedule; throws what croner finds wrong (an unknown time zone, …). */
export function cronOf(schedule: string): Cron {
  const zone = ZONE.exec(schedule);
  const pattern = zone ? schedule.slice(zone[0].length) : schedule;
  return new Cron(pattern, { paused: true, timezone: zone?.[1] ?? 'UTC' });
}

/** The first firing strictly after `after`, or undefined when there is none. */
export function nextScheduleTime(schedule: string, after: Date): Date | undefined {
  const every = everyIntervalMs(schedule);
  if (every !== undefined) return new Date(after.getTime() + every);
  return cronOf(schedule).nextRun(after) ?? undefined;
}
