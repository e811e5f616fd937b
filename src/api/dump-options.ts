// pg_dump and pg_restore options an import must leave to the operator: where the tools connect, as
// whom, and where the dump is written and read. Anything else is the user's, passed as one argument.
interface ToolOptions {
  /** Operator-owned long options, without the dashes. */
  long: readonly string[];
  /** Operator-owned short options. */
  short: ReadonlySet<string>;
  /** Every short option that takes a value: what follows it in the same argument is that value. */
  shortWithValue: ReadonlySet<string>;
  /** Every long option, so that a prefix is resolved as getopt_long resolves it. */
  allLong: readonly string[];
}

const PG_DUMP: ToolOptions = {
  long: ['dbname', 'host', 'port', 'username', 'file', 'format', 'password'],
  short: new Set(['d', 'h', 'p', 'U', 'f', 'F', 'W']),
  shortWithValue: new Set(['d', 'e', 'E', 'f', 'F', 'h', 'j', 'n', 'N', 'p', 'S', 't', 'T', 'U', 'Z']),
  allLong: [
    'data-only', 'blobs', 'large-objects', 'no-blobs', 'no-large-objects', 'clean', 'create', 'extension', 'encoding', 'file', 'format', 'jobs', 'schema',
    'exclude-schema', 'no-owner', 'no-reconnect', 'schema-only', 'superuser', 'table', 'exclude-table', 'verbose', 'no-privileges', 'no-acl', 'compress',
    'binary-upgrade', 'column-inserts', 'attribute-inserts', 'disable-dollar-quoting', 'disable-triggers', 'enable-row-security', 'exclude-table-data',
    'exclude-table-data-and-children', 'exclude-table-and-children', 'table-and-children', 'extra-float-digits', 'if-exists', 'include-foreign-data',
    'inserts', 'load-via-partition-root', 'lock-wait-timeout', 'no-comments', 'no-publications', 'no-security-labels', 'no-subscriptions',
    'no-table-access-method', 'no-tablespaces', 'no-toast-compression', 'no-unlogged-table-data', 'on-conflict-do-nothing', 'quote-all-identifiers',
    'rows-per-insert', 'section', 'serializable-deferrable', 'snapshot', 'strict-names', 'use-set-session-authorization', 'filter', 'sync-method',
    'no-sync', 'dbname', 'host', 'port', 'username', 'no-password', 'password', 'role', 'help', 'version',
  ],
};

const PG_RESTORE: ToolOptions = {
  long: ['dbname', 'host', 'port', 'username', 'file', 'create', 'password', 'list'],
  short: new Set(['d', 'h', 'p', 'U', 'f', 'C', 'W', 'l']),
  shortWithValue: new Set(['d', 'f', 'F', 'h', 'I', 'j', 'L', 'n', 'N', 'p', 'P', 'S', 't', 'T', 'U']),
  allLong: [
    'clean', 'create', 'data-only', 'dbname', 'exit-on-error', 'file', 'format', 'host', 'index', 'jobs', 'list', 'use-list', 'schema', 'exclude-schema',
    'no-owner', 'function', 'port', 'no-password', 'password', 'role', 'schema-only', 'superuser', 'table', 'trigger', 'username', 'verbose', 'no-privileges',
    'no-acl', 'single-transaction', 'disable-triggers', 'enable-row-security', 'if-exists', 'no-comments', 'no-data-for-failed-tables', 'no-publications',
    'no-security-labels', 'no-subscriptions', 'no-table-access-method', 'no-tablespaces', 'section', 'strict-names', 'transaction-size',
    'use-set-session-authorization', 'filter', 'help', 'version',
  ],
};

function ownedOption(arg: string, tool: ToolOptions): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0] ?? '';
    if (name === '') return undefined;
    // An exact name wins; otherwise getopt_long takes the one long option this prefix starts.
    const candidates = tool.allLong.includes(name) ? [name] : tool.allLong.filter((o) => o.startsWith(name));
    return candidates.length === 1 && tool.long.includes(candidates[0] ?? '') ? `--${name}` : undefined;
  }
  if (!arg.startsWith('-')) return undefined;
  for (const ch of arg.slice(1)) {
    if (tool.short.has(ch)) return `-${ch}`;
    if (tool.shortWithValue.has(ch)) return undefined;
  }
  return undefined;
}

/** The operator-owned option a pg_dump argument carries, as written, or undefined. */
export const pgDumpOwnedOption = (arg: string): string | undefined => ownedOption(arg, PG_DUMP);
/** The operator-owned option a pg_restore argument carries, as written, or undefined. */
export const pgRestoreOwnedOption = (arg: string): string | undefined => ownedOption(arg, PG_RESTORE);
