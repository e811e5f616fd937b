// `target_databases`: names, and shell-like patterns (`*`, `?`, `[...]`) matched against every
// database the exporter may connect to.
const PATTERN = /[[\]*?]/;

export function isPattern(target: string): boolean {
  return PATTERN.test(target);
}

/** A shell pattern as a regular expression matching a whole name. */
function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`the pattern ${JSON.stringify(pattern)} opens a [ it does not close`);
      let set = pattern.slice(i + 1, end);
      if (set.startsWith('^') || set.startsWith('!')) set = '^' + set.slice(1);
      re += `[${set.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** The databases a query runs in, each once, in the order first named. */
export function expandTargetDatabases(targets: string[], connectable: string[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    if (!isPattern(t)) out.add(t);
    else {
      const re = patternRegExp(t);
      for (const db of connectable) if (re.test(db)) out.add(db);
    }
  }
  return [...out];
}
