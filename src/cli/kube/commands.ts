// The cnpg plugin's commands against a Kubernetes API server. Each one reads or writes the same
// objects CloudNativePG's plugin does, so the operator acts on them as it would on a kubectl edit.
import { spawn } from 'node:child_process';
import type { ClusterStatus } from '../../api/cluster-status.js';
import { resolveInstanceName, switchoverRefusal } from '../../operator/failover.js';
import { ANNOTATIONS, serviceNames } from '../../api/names.js';
import type { ObservedInstance } from '../../operator/types.js';
import { CliError } from '../client.js';
import { backupCommand, type BackupOptions } from '../commands/backup.js';
import { psqlArgs, psqlTarget } from '../commands/exec.js';
import { fencingMessage, fencingTarget, nextFencedInstances } from '../commands/ha.js';
import { buildStatusReport, type Report } from '../commands/status.js';
import { renderClusterStatus, renderClusterStatusJson } from '../format/status.js';
import type { KubeConnection, KubeOptions } from './connection.js';

/** What the cluster's Pods, volumes, Services and instance managers say right now. */
export async function kubeClusterReport(conn: KubeConnection, name: string): Promise<Report> {
  const cluster = await conn.getCluster(name);
  const [pods, volumes, services] = await Promise.all([conn.instancePods(name), conn.instanceVolumes(name), conn.services(name)]);
  const podByName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const names = [...new Set([...volumes.map((v) => v.metadata?.name ?? ''), ...pods.map((p) => p.metadata?.name ?? '')])].filter(Boolean);
  const instances = await Promise.all(
    names.map(async (instance): Promise<ObservedInstance> => {
      const pod = podByName.get(instance);
      const volume = volumes.find((v) => v.metadata?.name === instance);
      const serial = Number(pod?.metadata?.annotations?.[ANNOTATIONS.serial] ?? volume?.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0);
      const running = pod?.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
      const observed: ObservedInstance = { name: instance, serial, running };
      if (!running) return observed;
      try {
        observed.status = await conn.instanceStatus(instance);
      } catch (e) {
        observed.statusError = (e as Error).message;
      }
      return observed;
    }),
  );
  const order = serviceNames(name);
  const endpoints = services
    .filter((s) => [order.rw, order.ro, order.r].includes(s.metadata?.name ?? ''))
    .sort((a, b) => [order.rw, order.ro, order.r].indexOf(a.metadata!.name!) - [order.rw, order.ro, order.r].indexOf(b.metadata!.name!))
    .map((s) => ({ name: s.metadata!.name!, host: `${s.metadata!.name!}.${conn.namespace}.svc`, port: s.spec?.ports?.[0]?.port ?? 5432 }));
  return { cluster, instances, endpoints };
}

export async function kubeStatus(conn: KubeConnection, cluster: string, opts: { output?: string; verbose: number }): Promise<void> {
  if (opts.output && !['text', 'json'].includes(opts.output)) throw new CliError(`error: output format "${opts.output}" is not supported (allowed: text, json)`);
  const report = buildStatusReport(await kubeClusterReport(conn, cluster));
  process.stdout.write(opts.output === 'json' ? renderClusterStatusJson(report) : renderClusterStatus(report, { verbose: opts.verbose, now: new Date() }));
}

/**
 * Switchover through the `cnpg.io/targetPrimary` annotation, which the operator consumes and
 * clears; unlike a status write it cannot be lost to a status update racing with it.
 */
export async function kubePromote(conn: KubeConnection, cluster: string, instance: string): Promise<void> {
  const obj = await conn.getCluster(cluster);
  const status = (obj.status ?? {}) as ClusterStatus;
  const target = resolveInstanceName(cluster, instance);
  const known = (await conn.instanceVolumes(cluster)).map((v) => v.metadata?.name ?? '');
  const refusal = switchoverRefusal(cluster, target, known, status);
  if (refusal) throw new CliError(`error: ${refusal.message}`);
  await conn.annotateCluster(cluster, { [ANNOTATIONS.targetPrimary]: target });
  process.stdout.write(`Node ${target} in cluster ${cluster} will be promoted\n`);
}

export async function kubeFencing(conn: KubeConnection, mode: string, cluster: string, instance: string): Promise<void> {
  const obj = await conn.getCluster(cluster);
  const current = obj.metadata.annotations?.[ANNOTATIONS.fencedInstances];
  const instances = (await conn.instanceVolumes(cluster)).map((v) => v.metadata?.name ?? '');
  const { target, value } = nextFencedInstances(current, mode, fencingTarget(cluster, instance, instances, current));
  await conn.annotateCluster(cluster, { [ANNOTATIONS.fencedInstances]: value });
  process.stdout.write(fencingMessage(cluster, target, mode));
}

/**
 * The whole Cluster: a restart request the operator rolls out (standbys first, the primary last).
 * One standby: its Pod is deleted and the operator starts it again on the same volume.
 */
export async function kubeRestart(conn: KubeConnection, cluster: string, instance: string | undefined): Promise<void> {
  const obj = await conn.getCluster(cluster);
  if (instance === undefined) {
    await conn.annotateCluster(cluster, { [ANNOTATIONS.restartedAt]: new Date().toISOString() });
    process.stdout.write(`cluster ${cluster} restart requested: standbys first, then the primary\n`);
    return;
  }
  const target = resolveInstanceName(cluster, instance);
  const pods = (await conn.instancePods(cluster)).map((p) => p.metadata?.name ?? '');
  if (!pods.includes(target)) throw new CliError(`error: instance ${target} of cluster ${cluster} has no Pod (Pods: ${pods.join(', ') || 'none'})`);
  if ((obj.status as ClusterStatus | undefined)?.currentPrimary === target) {
    throw new CliError(`error: ${target} is the primary; restart the whole cluster (kubectl cnpg restart ${cluster}) or switch over first (kubectl cnpg promote ${cluster} <standby>)`);
  }
  await conn.deletePod(target);
  process.stdout.write(`instance ${target} restarted\n`);
}

export async function kubeReload(conn: KubeConnection, cluster: string): Promise<void> {
  await conn.getCluster(cluster);
  await conn.annotateCluster(cluster, { [ANNOTATIONS.reloadedAt]: new Date().toISOString() });
  process.stdout.write(`cluster ${cluster} reload requested\n`);
}

export function kubeBackup(conn: KubeConnection, cluster: string, o: BackupOptions): Promise<void> {
  return backupCommand({ get: (kind, _ns, name) => conn.get(kind, name), create: (obj) => conn.create(obj) }, cluster, { ...o, namespace: conn.namespace });
}

/** kubectl's own flags for the connection, so the exec goes where the plugin looked. */
function kubectlFlags(conn: KubeConnection, o: KubeOptions): string[] {
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
