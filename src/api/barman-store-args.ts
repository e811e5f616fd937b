// A barmanObjectStore's four additionalCommandArgs lists read together (barman-args.ts reads one).
import { readBarmanArgs, type BarmanArgSettings, type BarmanCommand } from './barman-args.js';

interface ArgLists {
  data?: { additionalCommandArgs?: string[] | undefined; restoreAdditionalCommandArgs?: string[] | undefined } | undefined;
  wal?: { archiveAdditionalCommandArgs?: string[] | undefined; restoreAdditionalCommandArgs?: string[] | undefined } | undefined;
}

const LISTS: readonly [section: 'data' | 'wal', field: string, command: BarmanCommand][] = [
  ['data', 'additionalCommandArgs', 'backup'],
  ['wal', 'archiveAdditionalCommandArgs', 'wal-archive'],
  ['wal', 'restoreAdditionalCommandArgs', 'wal-restore'],
  ['data', 'restoreAdditionalCommandArgs', 'restore'],
];

/** The settings all four lists make, and their problems with the path under barmanObjectStore. */
export function barmanArgs(store: ArgLists, scheme: string): { settings: BarmanArgSettings; problems: [(string | number)[], string][]; ignored: [(string | number)[], string][] } {
  const settings: BarmanArgSettings = {};
  const problems: [(string | number)[], string][] = [];
  const ignored: [(string | number)[], string][] = [];
  for (const [section, field, command] of LISTS) {
    const args = (store[section] as Record<string, string[] | undefined> | undefined)?.[field];
    if (!args) continue;
    const read = readBarmanArgs(command, args);
    for (const [index, message] of read.problems) problems.push([[section, field, index], message]);
    for (const [index, message] of read.ignored) ignored.push([[section, field, index], message]);
    const { readTimeoutSeconds, partSizeBytes } = read.settings;
    if (readTimeoutSeconds !== undefined) {
      // One store serves archiving, backups and restores: it has one timeout.
      if (settings.readTimeoutSeconds !== undefined && settings.readTimeoutSeconds !== readTimeoutSeconds) {
        problems.push([[section, field], `--read-timeout=${readTimeoutSeconds} differs from --read-timeout=${settings.readTimeoutSeconds} given in another list: the store has one timeout`]);
      }
      settings.readTimeoutSeconds = readTimeoutSeconds;
    }
    if (partSizeBytes !== undefined) {
      if (scheme === 'gs://') problems.push([[section, field], '--min-chunk-size does not apply to Google Cloud Storage (as in barman-cloud)']);
      settings.partSizeBytes = partSizeBytes;
    }
  }
  return { settings, problems, ignored };
}

type StoreHolder = { spec?: { backup?: { barmanObjectStore?: unknown }; externalClusters?: unknown; configuration?: unknown } };

/** Warnings for the flags accepted and not acted on, wherever a manifest has a barmanObjectStore. */
export function barmanArgNotes(input: StoreHolder): { path: string; message: string }[] {
  const spec = input.spec;
  const stores: [string, unknown][] = [
    ['spec.backup.barmanObjectStore', spec?.backup?.barmanObjectStore],
    ['spec.configuration', spec?.configuration],
    ...(Array.isArray(spec?.externalClusters) ? spec.externalClusters.map((e: { barmanObjectStore?: unknown } | null, i): [string, unknown] => [`spec.externalClusters[${i}].barmanObjectStore`, e?.barmanObjectStore]) : []),
  ];
  return stores.flatMap(([at, store]) =>
    typeof store === 'object' && store !== null ? barmanArgs(store as ArgLists, '').ignored.map(([path, message]) => ({ path: `${at}.${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[')}`, message })) : [],
  );
}
