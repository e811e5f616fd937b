// initdb for a brand-new primary: the exact arguments a Cluster's bootstrap.initdb gives it.
import { join } from 'node:path';
import { runTool } from './run.js';
import type { InitdbBootstrap } from './spec.js';

/**
 * Built as CloudNativePG's buildInitDBFlags builds them, in its order: each field set is passed,
 * and nothing is defaulted here (admission did that, so initdb gets what the Cluster shows). initdb
 * itself lets --lc-collate and --lc-ctype win over --locale, whatever their order.
 */
export function initdbArguments(pgdata: string, b: InitdbBootstrap): string[] {
  const args = ['-D', pgdata, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256'];
  if (b.dataChecksums) args.push('--data-checksums');
  const flags: [string, string | number | undefined][] = [
    ['--encoding', b.encoding],
    ['--lc-collate', b.localeCollate],
    ['--lc-ctype', b.localeCType],
    ['--locale', b.locale],
    ['--locale-provider', b.localeProvider],
    ['--icu-locale', b.icuLocale],
    ['--icu-rules', b.icuRules],
    ['--builtin-locale', b.builtinLocale],
    ['--wal-segsize', b.walSegmentSize],
  ];
  for (const [flag, value] of flags) if (value !== undefined && value !== '') args.push(`${flag}=${value}`);
  // The deprecated raw options come last, so that where they repeat a field initdb takes theirs.
  args.push(...(b.options ?? []));
  return args;
}

/** `walDirectory`: spec.walStorage's folder, which initdb links pg_wal to (the user's options may not: admission refuses --waldir). */
export async function runInitdb(binDir: string, pgdata: string, b: InitdbBootstrap, walDirectory?: string): Promise<void> {
  const args = [...initdbArguments(pgdata, b), ...(walDirectory ? [`--waldir=${walDirectory}`] : [])];
  await runTool(join(binDir, 'initdb'), args, { ...process.env, LC_ALL: 'C', LANG: 'C' });
}
