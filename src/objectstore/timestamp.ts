// Timestamps as they appear in backup.info (Python str(datetime): '2024-01-15 13:41:00.123456+00:00'),
// in PostgreSQL output ('2024-01-15 13:41:00.000000+00') and in RFC 3339. A time without a zone
// is taken as UTC: barman would take the backup host's local zone, which we cannot know, and
// every host we run on is UTC.

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses the forms above; undefined when the text is none of them. */
export function parseTimestamp(text: string): Date | undefined {
  const m = TS_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    utc -= sign * offsetMin * 60_000;
  }
  const date = new Date(utc);
  if (Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  return date;
}

/** Python's str() of an aware UTC datetime, as barman writes begin_time/end_time. */
export function formatPythonDatetime(date: Date): string {
  const iso = date.toISOString(); // 2024-01-15T13:41:00.123Z
  const ms = date.getUTCMilliseconds();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return `${base}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}+00:00`;
}
