// initdb for a brand-new primary: the exact arguments a Cluster's bootstrap.initdb gives it.
import { join } from 'node:path';
import { runTool } from './run.js';
import type { InitdbBootstrap } from './spec.js';

export function initdbArguments(pgdata: string, b: InitdbBootstrap): string[] {
  const args = ['-D', pgdata, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256', '-E', b.encoding];
  if (b.locale) args.push(`--locale=${b.locale}`);
  args.push(`--lc-collate=${b.localeCollate}`, `--lc-ctype=${b.localeCType}`);
  if (b.localeProvider) args.push(`--locale-provider=${b.localeProvider}`);
  if (b.icuLocale) args.push(`--icu-locale=${b.icuLocale}`);
  if (b.icuRules) args.push(`--icu-rules=${b.icuRules}`);
  if (b.builtinLocale) args.push(`--builtin-locale=${b.builtinLocale}`);
  if (b.dataChecksums) args.push('--data-checksums');
  if (b.walSegmentSize) args.push(`--wal-segsize=${b.walSegmentSize}`);
  // The deprecated raw options come last so that, as in CloudNativePG, they win over explicit fields.
  args.push(...(b.options ?? []));
  return args;
}

export async function runInitdb(binDir: string, pgdata: string, b: InitdbBootstrap): Promise<void> {
  await runTool(join(binDir, 'initdb'), initdbArguments(pgdata, b), { ...process.env, LC_ALL: 'C', LANG: 'C' });
}
