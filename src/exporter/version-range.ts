// `runonserver` and `pg_version`: semver ranges over the server's version, written as CloudNativePG
// writes them (`>=17.0.0`, `<17`, `>=12.0.0 <17.0.0`, `>=10, <12 || >=14`).
type Version = [number, number, number];

/** PostgreSQL 15.4 is 15.4.0; 17beta1 is 17.0.0. */
export function parseServerVersion(text: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`cannot read the server version ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

const COMPARATOR = /^(>=|<=|>|<|=|==|!=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/;

function satisfies(v: Version, comparator: string): boolean {
  const m = COMPARATOR.exec(comparator);
  if (!m) throw new Error(`${JSON.stringify(comparator)} is not a version comparison such as >=17.0.0`);
  const op = m[1] ?? '=';
  const want: Version = [Number(m[2]), Number(/^\d+$/.test(m[3] ?? '') ? m[3] : 0), Number(/^\d+$/.test(m[4] ?? '') ? m[4] : 0)];
  const c = compare(v, want);
  switch (op) {
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '!=':
      return c !== 0;
    default: {
      // `=15` and `15.x` mean the whole major (or minor) when the rest is left out.
      if (m[3] === undefined || m[3] === 'x' || m[3] === '*') return v[0] === want[0];
      if (m[4] === undefined || m[4] === 'x' || m[4] === '*') return v[0] === want[0] && v[1] === want[1];
      return c === 0;
    }
  }
}

/** Whether `version` (the server's, e.g. `15.4`) is in `range`; an unreadable range throws. */
export function versionInRange(version: string, range: string): boolean {
  const v = parseServerVersion(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .replace(/(>=|<=|>|<|!=|==|=)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter(Boolean);
    if (comparators.length === 0) throw new Error(`${JSON.stringify(range)} has an empty alternative`);
    return comparators.every((c) => satisfies(v, c));
  });
}
