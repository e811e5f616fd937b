// The cnpg plugin's commands against a Kubernetes API server. Each one reads or writes the same
// objects CloudNativePG's plugin does, so the operator acts on them as it would on a kubectl edit.
// promote, fencing, restart and reload are in commands/ha.ts, shared with the local CLI.
import { execFile, spawn } from 'node:child_process';
import type { Pooler } from '../../api/index.js';
import { ANNOTATIONS, METRICS_PORT, POOLER_METRICS_PORT, POSTGRES_PORT, serviceNames } from '../../api/names.js';
import type { PoolerStatus } from '../../operator/pooler-plan.js';
import { CliError } from '../client.js';
import { backupCommand, type BackupOptions } from '../commands/backup.js';
import { verifyCommand, type VerifyApi, type VerifyOptions } from '../commands/backup-verify.js';
import type { StoredBackup } from '../../api/backup.js';
import { psqlArgs, psqlTarget } from '../commands/exec.js';
import { buildStatusReport, checkStatusOptions, type Report, type StatusOptions } from '../commands/status.js';
import { renderVerboseSections, type PrimaryConfiguration } from '../format/status-verbose.js';
import { instancePaths } from '../../instance/paths.js';
import { renderClusterStatus, renderClusterStatusJson } from '../format/status.js';
import type { KubeConnection, KubeOptions } from './connection.js';

/** What the cluster's Pods, volumes, Services and instance managers say right now. */
export async function kubeClusterReport(conn: KubeConnection, name: string): Promise<Report> {
  const cluster = await conn.getCluster(name);
  const [pods, volumes, services] = await Promise.all([conn.instancePods(name), conn.instanceVolumes(name), conn.services(name)]);
  const podByName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const names = [...new Set([...volumes.map((v) => v.metadata?.name ?? ''), ...pods.map((p) => p.metadata?.name ?? '')])].filter(Boolean);
  const instances = await Promise.all(
    names.map(async (instance): Promise<Report['instances'][number]> => {
      const pod = podByName.get(instance);
      const volume = volumes.find((v) => v.metadata?.name === instance);
      const serial = Number(pod?.metadata?.annotations?.[ANNOTATIONS.serial] ?? volume?.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0);
      const running = pod?.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
      const observed: Report['instances'][number] = { name: instance, serial, running, metricsPort: METRICS_PORT };
      if (!running) return observed;
      const [status, metrics] = await Promise.allSettled([conn.instanceStatus(instance), conn.instanceMetrics(instance)]);
      if (status.status === 'fulfilled') observed.status = status.value;
      else observed.statusError = (status.reason as Error).message;
      if (metrics.status === 'fulfilled') observed.metrics = metrics.value;
      return observed;
    }),
  );
  const order = serviceNames(name);
  const endpoints = services
    .filter((s) => [order.rw, order.ro, order.r].includes(s.metadata?.name ?? ''))
    .sort((a, b) => [order.rw, order.ro, order.r].indexOf(a.metadata!.name!) - [order.rw, order.ro, order.r].indexOf(b.metadata!.name!))
    .map((s) => ({ name: s.metadata!.name!, host: `${s.metadata!.name!}.${conn.namespace}.svc`, port: s.spec?.ports?.[0]?.port ?? 5432 }));
  return { cluster, instances, endpoints, poolers: await kubePoolers(conn, name) };
}

/** Each Pooler naming the cluster, with its Pods as its PgBouncers (their pids stay inside the Pods). */
async function kubePoolers(conn: KubeConnection, cluster: string): Promise<NonNullable<Report['poolers']>> {
  const poolers = (await conn.poolers(cluster)) as Array<Pooler & { status?: PoolerStatus }>;
  return Promise.all(
    poolers.map(async (pooler) => {
      const pods = await conn.poolerPods(pooler.metadata.name);
      const instances = pods.map((pod) => ({
        name: pod.metadata?.name ?? '',
        running: pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp,
        ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        paused: pooler.status?.phase === 'paused',
        metricsPort: POOLER_METRICS_PORT,
      }));
      return { pooler, instances };
    }),
  );
}

export async function kubeStatus(conn: KubeConnection, k: KubeOptions, cluster: string, opts: StatusOptions): Promise<void> {
  const timeoutMs = checkStatusOptions(opts);
  const raw = await kubeClusterReport(conn, cluster);
  const report = buildStatusReport(raw);
  if (opts.output === 'json') return void process.stdout.write(renderClusterStatusJson(report));
  const now = new Date();
  const extra = opts.verbose > 1 ? renderVerboseSections(await kubePrimaryConfiguration(conn, k, report.currentPrimary, timeoutMs), raw.cluster.status?.certificates, now) : '';
  process.stdout.write(renderClusterStatus(report, { verbose: opts.verbose, now }) + extra);
}

/**
 * `cat` in the primary's postgres container through kubectl exec, bounded by --timeout, as the
 * plugin reads them; the data directory is found from the container's own CNPG_INSTANCE_ROOT.
 */
async function kubePrimaryConfiguration(conn: KubeConnection, k: KubeOptions, primary: string | undefined, timeoutMs: number): Promise<PrimaryConfiguration> {
  if (!primary) return { errors: ['no primary instance to read the configuration of'] };
  const errors: string[] = [];
  const pgdata = `"$CNPG_INSTANCE_ROOT"/${instancePaths('.', POSTGRES_PORT).pgdata}`;
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  const cat = (file: string) =>
    new Promise<string | undefined>((resolve) => {
      const args = [...kubectlFlags(conn, k), 'exec', primary, '-c', 'postgres', '--', 'sh', '-c', `exec cat ${pgdata}/${file}`];
      execFile(kubectl, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => {
        if (e) errors.push(`cannot read ${file} of ${primary}${e.killed ? ` within ${timeoutMs / 1000}s (--timeout)` : ''}: ${stderr.trim() || e.message}`);
        resolve(e ? undefined : stdout);
      });
    });
  return { postgresqlConf: await cat('postgresql.conf'), pgHbaConf: await cat('pg_hba.conf'), errors };
}

export function kubeBackup(conn: KubeConnection, cluster: string, o: BackupOptions): Promise<void> {
  return backupCommand({ get: (kind, _ns, name) => conn.get(kind, name), create: (obj) => conn.create(obj) }, cluster, { ...o, namespace: conn.namespace });
}

/** `backup verify`: the same request (an annotation on the Backup) and wait as the local CLI's. */
export function kubeVerify(conn: KubeConnection, cluster: string, o: VerifyOptions): Promise<void> {
  const api: VerifyApi = {
    getCluster: (_ns, name) => conn.getCluster(name),
    listBackups: async () => (await conn.listBackups()) as StoredBackup[],
    getBackup: async (_ns, name) => (await conn.get('Backup', name)) as StoredBackup,
    annotateBackup: (_ns, name, key, value) => conn.annotate('Backup', name, { [key]: value }),
  };
  return verifyCommand(api, cluster, { ...o, namespace: conn.namespace });
}

/** kubectl's own flags for the connection, so the exec goes where the plugin looked. */
export function kubectlFlags(conn: KubeConnection, o: KubeOptions): string[] {
  return [...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : []), ...(o.context ? ['--context', o.context] : []), '-n', conn.namespace];
}

/** `kubectl exec` into the primary's (or a replica's) postgres container and run psql there, as the plugin does. */
export async function kubePsql(conn: KubeConnection, o: KubeOptions, cluster: string, args: string[], replica: boolean | undefined): Promise<number> {
  const obj = await conn.getCluster(cluster);
  const pod = psqlTarget(obj, replica);
  const tty = process.stdin.isTTY ? ['-t'] : [];
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  const child = spawn(kubectl, [...kubectlFlags(conn, o), 'exec', '-i', ...tty, pod, '-c', 'postgres', '--', ...psqlArgs(obj, args)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new CliError(`error: cannot run ${kubectl}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found in PATH (set KUBECTL to its path)' : e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
