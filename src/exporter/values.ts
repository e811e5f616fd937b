// PostgreSQL's text output turned into sample values and label values, the way CloudNativePG reads
// its query results: numbers and booleans as numbers, times as Unix seconds, NULL as NaN.
/** Type OIDs whose text is a point in time. */
const DATE_TYPES = new Set([1082, 1114, 1184]);
const BOOL = 16;

export function toNumber(text: string | null, typeId: number): number | undefined {
  if (text === null) return NaN;
  if (typeId === BOOL) return text === 't' ? 1 : 0;
  if (DATE_TYPES.has(typeId)) return unixSeconds(text);
  if (text === 't' || text === 'true') return 1;
  if (text === 'f' || text === 'false') return 0;
  const n = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(n)) return text.trim() === 'NaN' ? NaN : undefined;
  return n;
}

/** PostgreSQL's `2024-05-01 10:00:00.5+02` (or without a zone, taken as UTC) as Unix seconds. */
function unixSeconds(text: string): number | undefined {
  if (text === 'infinity' || text === '-infinity') return text === 'infinity' ? Infinity : -Infinity;
  let iso = text.replace(' ', 'T');
  const zone = /([+-]\d{2})(:?\d{2})?(:?\d{2})?$/.exec(iso.slice(10));
  if (!zone && /T/.test(iso)) iso += 'Z';
  else if (zone && zone[2] === undefined) iso += ':00';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

export function toLabel(text: string | null, typeId: number): string {
  if (text === null) return '';
  if (typeId === BOOL) return text === 't' ? 'true' : 'false';
  return text;
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A DURATION column in milliseconds: a Go-style duration (`1h2m3.5s`, as CloudNativePG reads them)
 * or PostgreSQL's interval output (`1 day 02:03:04.5`); `-1` and anything else unreadable yield nothing.
 */
export function durationMilliseconds(text: string | null): number | undefined {
  if (text === null) return undefined;
  const t = text.trim();
  if (t === '-1' || t === '') return undefined;
  const go = /^([+-]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(t);
  if (go) {
    let ms = 0;
    for (const [, n, unit] of go[2]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * GO_UNITS[unit!]!;
    return go[1] === '-' ? -ms : ms;
  }
  if (t === '0') return 0;
  const pg = /^(?:([+-]?\d+) years? ?)?(?:([+-]?\d+) mons? ?)?(?:([+-]?\d+) days? ?)?(?:([+-])?(\d+):(\d{2}):(\d{2}(?:\.\d+)?))?$/.exec(t);
  if (!pg || t.length === 0) return undefined;
  const [, years, months, days, sign, h, m, s] = pg;
  const dayMs = 86_400_000;
  let ms = (Number(years ?? 0) * 365.25 + Number(months ?? 0) * 30 + Number(days ?? 0)) * dayMs;
  if (h !== undefined) ms += (sign === '-' ? -1 : 1) * (Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000);
  return ms;
}

/** A one-dimensional PostgreSQL array of numbers (`{0.1,0.5,1}`). */
export function numberArray(text: string | null): number[] | undefined {
  if (text === null) return undefined;
  const inner = /^\{(.*)\}$/.exec(text.trim());
  if (!inner) return undefined;
  if (inner[1]!.trim() === '') return [];
  const items = inner[1]!.split(',').map((v) => Number(v.trim().replace(/^"|"$/g, '')));
  return items.some((n) => Number.isNaN(n)) ? undefined : items;
}
