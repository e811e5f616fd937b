// Quoting for identifiers and literals we splice into SQL that cannot take bind parameters (DDL).

export function quoteIdent(name: string): string {
  // Validation refuses names with control characters; none reaches SQL even if it is bypassed.
  if (/\p{Cc}/u.test(name)) throw new Error(`refusing to quote identifier ${JSON.stringify(name)}: it has a control character`);
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('SQL literal cannot contain a NUL byte');
  const escaped = value.replaceAll("'", "''");
  return value.includes('\\') ? ` E'${escaped.replaceAll('\\', '\\\\')}'`.trimStart() : `'${escaped}'`;
}

/** A libpq conninfo value, quoted when it needs to be. */
export function conninfoValue(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[^\s'\\]+$/.test(s)) return s;
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function conninfo(params: Record<string, string | number | undefined>): string {
  return Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${conninfoValue(v)}`)
    .join(' ');
}
