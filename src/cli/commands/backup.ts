// `backup CLUSTER`: asks for an on-demand base backup by creating a Backup, as the plugin does.
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { BackupStatus } from '../../api/backup.js';
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { backupNameSuffix } from '../../operator/schedule.js';
import { CliError, type DaemonClient } from '../client.js';
import { applyManifest } from './apply.js';
import { BARMAN_CLOUD_PLUGIN } from '../../api/barman-plugin.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackupOptions {
  namespace?: string;
  backupName?: string;
  backupTarget?: string;
  method: string;
  online?: boolean;
  immediateCheckpoint?: boolean;
  waitForArchive?: boolean;
  pluginName?: string;
  pluginParameters?: Record<string, string>;
  wait?: boolean;
  timeout: string;
}

/** The plugin's `backup` flags, the same against the local control plane and Kubernetes. */
export function withBackupOptions(command: Command): Command {
  return command
    .option('--backup-name <name>', 'name of the Backup (default CLUSTER-YYYYMMDDhhmmss)')
    .addOption(new Option('--backup-target <target>', 'instance to back up from').choices(['primary', 'prefer-standby']))
    .addOption(new Option('-m, --method <method>', 'backup method').choices(['barmanObjectStore', 'volumeSnapshot', 'plugin']).default('barmanObjectStore'))
    .option('--online [bool]', 'online volume snapshot, PostgreSQL in backup mode (volumeSnapshot only; default: the Cluster\'s backup.volumeSnapshot.online)', optionalBoolean('--online'))
    .option('--no-online', 'cold volume snapshot: the instance is fenced while its volumes are copied')
    .option('--immediate-checkpoint [bool]', 'checkpoint at once (volumeSnapshot only; for barmanObjectStore set data.immediateCheckpoint)', optionalBoolean('--immediate-checkpoint'))
    .option('--wait-for-archive [bool]', 'wait for the WAL archive (volumeSnapshot only)', optionalBoolean('--wait-for-archive'))
    .option('--plugin-name <name>', `the plugin taking the backup (method plugin; default ${BARMAN_CLOUD_PLUGIN})`)
    .option('--plugin-parameters <key=value,...>', 'parameters passed to the plugin (method plugin)', pluginParameters)
    .option('--wait', 'wait until the backup completes; exit non-zero if it fails')
    .option('--timeout <duration>', 'how long --wait waits', '30m');
}

/** As the plugin's flags: `--online`, `--online=true` and `--online=false` all work. */
function optionalBoolean(flag: string): (value: string) => boolean {
  return (value) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new CliError(`error: ${flag} takes true or false (got "${value}")`);
  };
}

/** Where the Backup goes: the local control plane or a Kubernetes API server. */
export interface BackupApi {
  get(kind: 'Cluster' | 'Backup', namespace: string, name: string): Promise<KubeObject>;
  /** Creates the object; returns kubectl's one-line report. */
  create(obj: KubeObject): Promise<string>;
}

export const daemonBackupApi = (client: DaemonClient): BackupApi => ({
  get: (kind, namespace, name) => client.get(kind, namespace, name),
  create: (obj) => applyManifest(client, stringify(obj), 'none'),
});

export function backupObject(cluster: string, o: BackupOptions, now: Date): KubeObject {
  const name = o.backupName ?? `${cluster}-${backupNameSuffix(now)}`;
  const spec: Record<string, unknown> = { cluster: { name: cluster }, method: o.method };
  if (o.backupTarget) spec.target = o.backupTarget;
  if (o.method === 'plugin') spec.pluginConfiguration = { name: o.pluginName ?? BARMAN_CLOUD_PLUGIN, ...(o.pluginParameters ? { parameters: o.pluginParameters } : {}) };
  if (o.online !== undefined) spec.online = o.online;
  if (o.immediateCheckpoint !== undefined || o.waitForArchive !== undefined) {
    spec.onlineConfiguration = {
      ...(o.immediateCheckpoint !== undefined ? { immediateCheckpoint: o.immediateCheckpoint } : {}),
      ...(o.waitForArchive !== undefined ? { waitForArchive: o.waitForArchive } : {}),
    };
  }
  const metadata = { name, ...(o.namespace ? { namespace: o.namespace } : {}) };
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata, spec };
}

export async function backupCommand(api: BackupApi, cluster: string, o: BackupOptions): Promise<void> {
  const ns = o.namespace ?? 'default';
  const obj = (await api.get('Cluster', ns, cluster)) as Cluster;
  if (o.method === 'barmanObjectStore' && !obj.spec.backup?.barmanObjectStore) {
    const plugin = obj.spec.plugins?.some((p) => p.name === BARMAN_CLOUD_PLUGIN) ? `; it backs up through the ${BARMAN_CLOUD_PLUGIN} plugin: use --method plugin` : '; add one (destinationPath and credentials) to back it up';
    throw new CliError(`error: cluster ${cluster} has no spec.backup.barmanObjectStore${plugin}`);
  }
  if (o.method !== 'plugin' && (o.pluginName !== undefined || o.pluginParameters !== undefined)) {
    throw new CliError('error: --plugin-name and --plugin-parameters go with --method plugin');
  }
  if (o.method === 'volumeSnapshot' && !obj.spec.backup?.volumeSnapshot) {
    throw new CliError(`error: cluster ${cluster} has no spec.backup.volumeSnapshot; add one (it may be empty: volumeSnapshot: {}) to take snapshot backups`);
  }
  const backup = backupObject(cluster, o, new Date());
  const name = backup.metadata.name;
  process.stdout.write(await api.create(backup));
  if (!o.wait) return;
  const timeoutMs = parseTimeout(o.timeout);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = ((await api.get('Backup', ns, name)) as { status?: BackupStatus }).status;
    if (status?.phase === 'completed') {
      const what = status.snapshotBackupStatus ? `volume snapshots ${status.snapshotBackupStatus.elements.map((e) => e.name).join(', ')}` : status.backupId;
      process.stdout.write(`backup ${name} completed: ${what} (WAL ${status.beginWal ?? '-'} to ${status.endWal ?? '-'})\n`);
      return;
    }
    if (status?.phase === 'failed') throw new CliError(`error: backup ${name} failed: ${status.error ?? 'unknown error'}`);
    if (Date.now() > deadline) throw new CliError(`error: timed out after ${o.timeout} waiting for backup ${name} (phase ${status?.phase ?? 'pending'})`);
    await sleep(500);
  }
}

/** `--plugin-parameters a=b,c=d`, as kubectl-cnpg takes them. */
function pluginParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`error: --plugin-parameters takes key=value pairs separated by commas (got "${pair}")`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function parseTimeout(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw new CliError(`error: --timeout must look like 90s, 10m or 1h (got "${text}")`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}
