// initdb options that choose where the data or its WAL live. Those places are the operator's: a
// WAL folder outside the instance's home escapes the isolation between clusters and is left behind
// when the cluster is deleted, and a second data folder breaks the instance outright.
const LOCATION_LONG = ['pgdata', 'waldir', 'xlogdir'];
const LOCATION_SHORT = new Set(['D', 'X']);
/** initdb's short options that take a value: what follows them in the same argument is that value. */
const SHORT_WITH_VALUE = new Set(['A', 'c', 'D', 'E', 'L', 'T', 'U', 'X']);

/**
 * The location option an initdb argument carries, as written, or undefined. initdb parses with
 * getopt_long, which takes an unambiguous prefix (`--wald=/x` is `--waldir`) and bundled short
 * options (`-kX/x`), so both count.
 */
export function initdbLocationOption(arg: string): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0] ?? '';
    return name !== '' && LOCATION_LONG.some((o) => o.startsWith(name)) ? `--${name}` : undefined;
  }
  if (!arg.startsWith('-')) return undefined;
  for (const ch of arg.slice(1)) {
    if (LOCATION_SHORT.has(ch)) return `-${ch}`;
    if (SHORT_WITH_VALUE.has(ch)) return undefined;
  }
  return undefined;
}
