// `report … -t/--timestamps` on the local platform. On Kubernetes the kubelet prepends the time it
// received each line (RFC 3339, UTC); local log files have no such record, so each line gets the
// time it carries itself: a JSON line's `ts`, or the timestamp PostgreSQL's log_line_prefix starts
// with. A line carrying none (a statement's continuation) gets the one before it.
const POSTGRES_PREFIX = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\b/;

function ownTime(line: string): string | undefined {
  if (line.startsWith('{')) {
    try {
      const ts = (JSON.parse(line) as { ts?: unknown }).ts;
      if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) return new Date(ts).toISOString();
    } catch {
      // not JSON after all: looked at as text below
    }
  }
  const m = POSTGRES_PREFIX.exec(line);
  if (!m) return undefined;
  const zone = !m[2] || m[2] === 'UTC' || m[2] === 'GMT' ? 'Z' : m[2].length === 3 ? `${m[2]}:00` : m[2].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = Date.parse(`${m[1]!.replace(' ', 'T')}${zone}`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

export function prependTimestamps(text: string): string {
  let last = '-';
  return text
    .split('\n')
    .map((line, i, all) => {
      if (line === '' && i === all.length - 1) return line;
      last = ownTime(line) ?? last;
      return `${last} ${line}`;
    })
    .join('\n');
}
