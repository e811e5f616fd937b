// How Go prints decoded JSON values, for the places where kubectl's output shows it:
// encoding/json (map keys sorted, <, >, & and U+2028/2029 escaped) and fmt's %v
// (map[k:v], [a b], <nil>).

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy with object keys sorted (byte order, as Go sorts map keys) and undefined dropped. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeysDeep(v)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareBytes)) {
      const v = value[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/** Go's string ordering (by UTF-8 bytes); for BMP text, code-unit order is the same. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** json.Marshal / json.MarshalIndent of a decoded JSON value. */
export function goJson(value: unknown, indent = ''): string {
  const text = JSON.stringify(sortKeysDeep(value), null, indent === '' ? undefined : indent) ?? 'null';
  return text
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** fmt.Sprint of a scalar JSON value (numbers without exponent noise for integers). */
export function goScalar(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  return String(value);
}

/** fmt.Sprint("%v") of a decoded JSON value: map[a:1 b:[x y]], <nil>. */
export function goSprint(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goSprint).join(' ')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort(compareBytes);
    return `map[${keys.map((k) => `${k}:${goSprint(value[k])}`).join(' ')}]`;
  }
  return goScalar(value);
}

/** The object as kubectl's machinery sees it after a JSON round trip (no undefined, no Dates). */
export function toJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

export { isPlainObject };
