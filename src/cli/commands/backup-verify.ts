// `backup verify CLUSTER`: a restore drill of a Backup (cnpg-ts's own verb). Asks the operator for
// it with an annotation on the Backup, waits for status.verification and says what it found.
import type { Command } from 'commander';
import { parseRowCount, renderVerificationRequest, VERIFY_ANNOTATION, type BackupVerification, type VerificationRequest } from '../../api/backup-verification.js';
import type { StoredBackup } from '../../api/backup.js';
import type { KubeObject } from '../../api/meta.js';
import { chooseBackupToVerify } from '../../operator/verification-plan.js';
import { CliError, type DaemonClient } from '../client.js';
import { parseDuration } from './mutate.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface VerifyOptions {
  namespace?: string;
  backup?: string;
  count: string[];
  wait: boolean;
  timeout: string;
}

export interface VerifyApi {
  getCluster(namespace: string, name: string): Promise<KubeObject>;
  listBackups(namespace: string): Promise<StoredBackup[]>;
  getBackup(namespace: string, name: string): Promise<StoredBackup>;
  annotateBackup(namespace: string, name: string, key: string, value: string): Promise<void>;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The `verify` subcommand of `backup`, the same in both CLIs. Commander gives `backup` the flags it
 * knows wherever they stand (`--timeout`, `--wait`): given on the command line, they are the
 * subcommand's.
 */
export function addVerifyCommand(backup: Command): Command {
  return backup
    .command('verify')
    .description('restore drill: restore a backup into a throwaway instance, replay WAL to the end of the archive, run pg_amcheck and row counts; records the result in the Backup\'s status.verification')
    .argument('<cluster>')
    .option('--backup <name>', 'the Backup to restore (default: the newest completed one of CLUSTER)')
    .option('--count <check>', 'a row count the restored data must satisfy, [DATABASE/]SCHEMA.TABLE OP N with OP one of >= <= = > < (repeatable; DATABASE defaults to the application database)', collect, [])
    .option('--no-wait', 'ask for the drill and return at once (read the outcome with `get backup NAME -o yaml`)')
    .option('--timeout <duration>', 'how long to wait for the outcome', '60m')
    .hook('preAction', (verify) => {
      for (const option of verify.options) {
        const key = option.attributeName();
        if (backup.getOptionValueSource(key) === 'cli') verify.setOptionValueWithSource(key, backup.getOptionValue(key), 'cli');
      }
    });
}

export async function verifyCommand(api: VerifyApi, cluster: string, o: VerifyOptions): Promise<void> {
  for (const c of o.count) {
    const parsed = parseRowCount(c);
    if (!parsed.ok) throw new CliError(`error: --count: ${parsed.message}`, 2);
  }
  const deadline = Date.now() + parseDuration(o.timeout);
  const ns = o.namespace ?? 'default';
  await api.getCluster(ns, cluster);
  const choice = chooseBackupToVerify(await api.listBackups(ns), cluster, o.backup);
  if (!choice.ok) throw new CliError(`error: ${choice.message}`);
  const backup = choice.value;
  const name = backup.metadata.name;
  const request: VerificationRequest = { requestedAt: new Date().toISOString(), ...(o.count.length > 0 ? { counts: o.count } : {}) };
  await api.annotateBackup(ns, name, VERIFY_ANNOTATION, renderVerificationRequest(request));
  process.stdout.write(`restore drill of backup ${name} (${backup.status?.backupId ?? 'no backupId'}) requested\n`);
  if (!o.wait) return;
  for (;;) {
    const v = (await api.getBackup(ns, name)).status?.verification;
    if (v?.requestedAt === request.requestedAt && v.phase !== 'running') {
      process.stdout.write(describeVerification(name, v));
      if (v.phase === 'failed') throw new CliError(failureHint(name, v));
      return;
    }
    if (Date.now() > deadline) throw new CliError(`error: timed out after ${o.timeout} waiting for the restore drill of backup ${name} (${v?.requestedAt === request.requestedAt ? v.phase : 'not started'})`);
    await sleep(500);
  }
}

export function describeVerification(name: string, v: BackupVerification): string {
  const lines = [`backup ${name}: restore drill ${v.phase}`];
  if (v.recoveredToLSN) lines.push(`  replayed to:     ${v.recoveredToLSN} (WAL ${v.recoveredToWal}; archive ends at ${v.archiveEndWal ?? 'the backup'})`);
  if (v.restoredWalFiles !== undefined) lines.push(`  WAL restored:    ${v.restoredWalFiles} file(s)`);
  if (v.amcheck) lines.push(`  pg_amcheck:      ${v.amcheck.ok ? 'no corruption found' : 'CORRUPTION FOUND'}`);
  for (const r of v.rows ?? []) lines.push(`  rows:            ${r.check}: ${r.rows} ${r.ok ? 'ok' : 'NOT MET'}`);
  if (v.startedAt && v.stoppedAt) lines.push(`  took:            ${Math.round((Date.parse(v.stoppedAt) - Date.parse(v.startedAt)) / 1000)} s`);
  return lines.join('\n') + '\n';
}

function failureHint(name: string, v: BackupVerification): string {
  return `error: the restore drill of backup ${name} failed: ${v.error ?? 'no reason given'}\n` +
    'A recovery from this backup would fail or lose data the same way. Fix the store (or take a new base backup) and run the drill again.';
}

export const daemonVerifyApi = (client: DaemonClient): VerifyApi => ({
  getCluster: (ns, name) => client.get('Cluster', ns, name),
  listBackups: async (ns) => (await client.list('Backup', ns)) as StoredBackup[],
  getBackup: async (ns, name) => (await client.get('Backup', ns, name)) as StoredBackup,
  annotateBackup: async (ns, name, key, value) => {
    await client.request('POST', '/patch', { kind: 'Backup', namespace: ns, name }, { patch: { metadata: { annotations: { [key]: value } } } });
  },
});
