// Helpers for backup and recovery tests: superuser SQL inside an instance, and waiting for WAL to
// reach the object store.
import { TestEnv, eventually } from './env.js';

export interface ArchivingReport {
  lastArchivedWal?: string;
  lastFailedWal?: string;
  readyWalFiles?: number;
  lastError?: string;
  failing?: boolean;
}

interface StatusJson {
  phase?: string;
  firstRecoverabilityPoint?: string;
  instancesStatus: Array<{ name: string; isPrimary: boolean; timeLineID?: number; archiving?: ArchivingReport }>;
}

/** psql as the postgres superuser over the instance's own socket; returns unaligned rows. */
export async function sql(env: TestEnv, pod: string, query: string, database = 'app'): Promise<string> {
  return (await env.ok(['exec', pod, '--', 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', database, '-Atc', query])).trim();
}

export async function status(env: TestEnv, cluster: string): Promise<StatusJson> {
  return JSON.parse(await env.ok(['status', cluster, '-o', 'json'])) as StatusJson;
}

export async function primaryArchiving(env: TestEnv, cluster: string): Promise<ArchivingReport | undefined> {
  return (await status(env, cluster)).instancesStatus.find((i) => i.isPrimary)?.archiving;
}

/** Switches to a new WAL segment and waits until the one just closed is in the store. */
export async function archiveCurrentWal(env: TestEnv, cluster: string, pod: string, timeoutMs = 60_000): Promise<string> {
  const wal = await sql(env, pod, 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres');
  await sql(env, pod, 'SELECT pg_switch_wal()', 'postgres');
  await eventually(`WAL ${wal} archived`, async () => {
    const a = await primaryArchiving(env, cluster);
    // Thrown, not returned: eventually keeps polling and names the last failure if it times out.
    if (a?.failing) throw new Error(`archiving failing: ${a.lastError}`);
    return a?.lastArchivedWal !== undefined && a.lastArchivedWal >= wal && a.readyWalFiles === 0;
  }, timeoutMs, 200);
  return wal;
}

export async function waitReady(env: TestEnv, cluster: string, timeoutSeconds = 180): Promise<void> {
  await env.ok(['wait', '--for=condition=Ready', `cluster/${cluster}`, `--timeout=${timeoutSeconds}s`], undefined, (timeoutSeconds + 20) * 1000);
}

export interface BackupObject {
  status?: { phase?: string; backupId?: string; error?: string; beginWal?: string; endWal?: string; instanceID?: { podName: string } };
}

export async function waitBackup(env: TestEnv, name: string, phases = ['completed', 'failed'], timeoutMs = 120_000): Promise<BackupObject> {
  return eventually(`backup ${name} to reach ${phases.join('|')}`, async () => {
    const b = await env.json<BackupObject>(['get', 'backup', name]);
    return phases.includes(b.status?.phase ?? '') ? b : undefined;
  }, timeoutMs, 300);
}
