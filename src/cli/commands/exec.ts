// `exec` and `psql`: reach an instance the way `kubectl exec` reaches a Pod.
import { spawn, type SpawnOptions } from 'node:child_process';
import { CliError, type DaemonClient } from '../client.js';
import type { ClusterStatus } from '../../api/cluster-status.js';

export interface InstanceAccess {
  /** The instance's folder (instance.json, pgdata, external connections' files). */
  root: string;
  port: number;
  socketDir: string;
  pgdata: string;
  osUser: string;
  uid?: number;
  gid?: number;
  cluster: string;
}

/** How a command runs as the instance's user: its ids, and libpq pointed at its private socket. */
export async function instanceProcess(client: DaemonClient, namespace: string, pod: string): Promise<{ access: InstanceAccess; options: SpawnOptions }> {
  const access = await client.request<InstanceAccess>('GET', '/instance', { namespace, name: pod });
  const env = {
    ...process.env,
    PGHOST: access.socketDir,
    PGPORT: String(access.port),
    PGUSER: 'postgres',
    PGDATA: access.pgdata,
    PSQL_HISTORY: '/dev/null',
    ...(access.uid !== undefined ? { HOME: '/' } : {}),
  };
  return { access, options: { cwd: '/', uid: access.uid, gid: access.gid, env } };
}

/**
 * Runs CMD as the instance's operating-system user with libpq pointed at its private socket, so
 * that `psql -U <role>` authenticates by peer as it would inside the Pod.
 */
export async function execCommand(client: DaemonClient, pod: string, cmd: string[], opts: { namespace?: string }): Promise<number> {
  if (cmd.length === 0) throw new CliError('error: you must specify at least one command for the container (after --)');
  const { options } = await instanceProcess(client, opts.namespace ?? 'default', pod);
  const child = spawn(cmd[0] as string, cmd.slice(1), { ...options, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new CliError(`error: cannot run "${cmd[0]}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'executable not found in PATH' : e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** The instance `psql` opens on: the primary, or with --replica a healthy standby. */
export function psqlTarget(cluster: { metadata: { name: string }; status?: unknown }, replica: boolean | undefined): string {
  const status = (cluster.status ?? {}) as ClusterStatus;
  const target = replica ? status.instancesStatus?.healthy?.find((n) => n !== status.currentPrimary) : status.currentPrimary;
  if (!target) throw new CliError(`error: cluster ${cluster.metadata.name} has no ${replica ? 'ready replica' : 'primary'} yet (phase: ${status.phase ?? 'unknown'})`);
  return target;
}

/** psql's command line: the cluster's application database unless the user names one. */
export function psqlArgs(cluster: { spec?: unknown }, args: string[]): string[] {
  const spec = (cluster.spec ?? {}) as { bootstrap?: { initdb?: { database?: string } } };
  const hasDb = args.some((a) => a === '-d' || /^-d./.test(a) || a.startsWith('--dbname'));
  return ['psql', ...(hasDb ? [] : ['-d', spec.bootstrap?.initdb?.database ?? 'app']), ...args];
}

export async function psqlCommand(client: DaemonClient, cluster: string, args: string[], opts: { namespace?: string; replica?: boolean }): Promise<number> {
  const ns = opts.namespace ?? 'default';
  const obj = await client.get('Cluster', ns, cluster);
  return execCommand(client, psqlTarget(obj, opts.replica), psqlArgs(obj, args), { namespace: ns });
}
