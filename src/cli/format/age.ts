// Relative ages as kubectl prints them (k8s.io/apimachinery/pkg/util/duration.HumanDuration),
// and Go's time.Duration.String() for uptimes.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/**
 * kubectl's HumanDuration: about two significant units ("90s", "2m30s", "5h", "3d4h", "2y10d").
 * Up to one second in the future counts as "0s" (clock skew); further is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(ms / YEAR);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** Parses a timestamp; undefined when absent or unparseable. */
export function parseTimestamp(value: Date | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** The AGE column: `<unknown>` when there is no (valid) timestamp, as kubectl prints for a zero time. */
export function formatAge(from: Date | string | undefined, now: Date): string {
  const t = parseTimestamp(from);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

/** Go's time.Duration.String() of a duration rounded to the second: "0s", "42s", "3m7s", "26h0m5s". */
export function goDurationString(ms: number): string {
  let total = Math.round(Math.abs(ms) / SECOND);
  const sign = ms < 0 && total > 0 ? '-' : '';
  const h = Math.floor(total / 3600);
  total -= h * 3600;
  const m = Math.floor(total / 60);
  const s = total - m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Go's time.Time.String() of a UTC instant rounded to the second: "2024-01-15 13:41:00 +0000 UTC". */
export function goUtcTimeString(t: number): string {
  const iso = new Date(Math.round(t / SECOND) * SECOND).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
