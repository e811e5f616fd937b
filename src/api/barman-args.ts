// additionalCommandArgs: flags CloudNativePG appends to barman-cloud's commands. cnpg-ts runs no
// barman-cloud, so each flag either maps onto the same setting of our own code, is accepted and
// named as not acted on (verbosity, which spec.logLevel decides), or is refused with the reason
// (docs/backup-and-recovery.md has the table).

/** Which barman-cloud command a list was meant for. */
export type BarmanCommand = 'backup' | 'wal-archive' | 'wal-restore' | 'restore';

/** What the accepted flags set. */
export interface BarmanArgSettings {
  /** --read-timeout: seconds a request to the store may wait for an answer. */
  readTimeoutSeconds?: number;
  /** --min-chunk-size: bytes per part of a base backup upload. */
  partSizeBytes?: number;
}

const ALL: readonly BarmanCommand[] = ['backup', 'wal-archive', 'wal-restore', 'restore'];

const REFUSED: readonly [flags: readonly string[], reason: string][] = [
  [['-z', '--gzip', '-j', '--bzip2', '--snappy', '--lz4', '--xz', '--zstd'], 'set compression in wal.compression or data.compression'],
  [['-e', '--encryption'], 'set encryption in wal.encryption or data.encryption'],
  [['--tags', '--history-tags'], 'set tags and historyTags on barmanObjectStore'],
  [['--immediate-checkpoint'], 'set data.immediateCheckpoint'],
  [['-J', '--jobs'], 'set data.jobs'],
  [['-n', '--name'], 'a Backup is named by its own metadata.name'],
  [['--cloud-provider', '--endpoint-url', '-P', '--profile', '--credential', '--aws-irsa'], 'the store and its credentials come from destinationPath, endpointURL and the credentials fields'],
  [['-h', '--host', '-p', '--port', '-U', '--user', '-d', '--dbname'], 'the operator decides where a backup connects'],
  [['-t', '--test', '-V', '--version', '--help'], 'it only makes sense run by hand'],
  [['--max-bandwidth'], 'uploads are not rate-limited by cnpg-ts'],
  [['--max-archive-size'], 'base backups are not split by size here'],
  [['--encryption-scope', '--sse-kms-key-id'], 'not supported by cnpg-ts yet'],
  [['--max-concurrency', '--max-block-size', '--max-single-put-size'], 'WAL files are uploaded in one request here'],
  [['--snapshot-disk', '--snapshot-instance', '--snapshot-zone', '--snapshot-gcp-project', '--snapshot-recovery-instance', '--snapshot-recovery-zone'], 'volume snapshots are spec.backup.volumeSnapshot'],
  [['--tablespace'], 'tablespaces are restored to the locations spec.tablespaces gives'],
  [['--no-partial'], 'not supported by cnpg-ts'],
];

// Verbosity changes only barman-cloud's own output; the plugin's sample ObjectStore passes -vv.
const VERBOSITY = /^(?:-v+|--verbose|-q+|--quiet)$/;

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const MIN_PART = 5 * 1024 * 1024;
const MAX_PART = 5 * 1024 ** 3;

/**
 * Reads one list; problems are [index, message]. Flags take their value after '=' (one list
 * element, one argument, as CloudNativePG passes them).
 */
export function readBarmanArgs(command: BarmanCommand, args: readonly string[]): { settings: BarmanArgSettings; problems: [number, string][]; ignored: [number, string][] } {
  const settings: BarmanArgSettings = {};
  const problems: [number, string][] = [];
  const ignored: [number, string][] = [];
  args.forEach((arg, index) => {
    const [flag = '', value] = splitFlag(arg);
    if (VERBOSITY.test(arg)) return ignored.push([index, `${arg} is accepted and not acted on: the instance manager logs at spec.logLevel`]);
    const refused = REFUSED.find(([flags]) => flags.includes(flag));
    if (refused) return problems.push([index, `${flag} is not accepted: ${refused[1]}`]);
    if (flag === '--read-timeout' && ALL.includes(command)) {
      const seconds = Number(value);
      if (value === undefined || !/^\d+$/.test(value) || seconds < 1 || seconds > 3600) return problems.push([index, `--read-timeout takes whole seconds from 1 to 3600, e.g. --read-timeout=60 (got ${JSON.stringify(arg)})`]);
      settings.readTimeoutSeconds = seconds;
      return;
    }
    if (flag === '--min-chunk-size' && command === 'backup') {
      const bytes = parseSize(value);
      if (bytes === undefined || bytes > MAX_PART) return problems.push([index, `--min-chunk-size takes a size up to 5GiB, e.g. --min-chunk-size=64MiB (got ${JSON.stringify(arg)})`]);
      // As barman-cloud does: S3 refuses parts under 5 MiB, so a smaller size means the smallest.
      settings.partSizeBytes = Math.max(bytes, MIN_PART);
      return;
    }
    const known = command === 'backup' ? '--min-chunk-size, --read-timeout' : '--read-timeout';
    return problems.push([index, `${JSON.stringify(arg)} is not a barman-cloud-${command} flag cnpg-ts acts on; accepted: ${known}`]);
  });
  return { settings, problems, ignored };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function parseSize(value: string | undefined): number | undefined {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(value ?? '');
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toUpperCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}
