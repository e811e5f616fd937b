// `pgbench CLUSTER -- ARGS`: pgbench against the Cluster's read-write endpoint as its application
// user, with the arguments passed through as they are (argv elements, never a shell string).
// Locally it runs here, in the foreground; on Kubernetes it is the Job CloudNativePG's plugin
// creates (pgbenchJob), which runs in the Cluster's image with the -app Secret's credentials.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clusterMajor } from '../../api/index.js';
import type { ClusterStatus, StoredCluster as Cluster } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { hasControlCharacter } from '../../api/control-characters.js';
import { secretNames, serviceNames, POSTGRES_PORT } from '../../api/names.js';
import { decodeData } from '../../operator/secrets.js';
import { findInstallations } from '../../postgres/binaries.js';
import { CliError, type DaemonClient } from '../client.js';

export interface PgbenchOptions {
  dbName: string;
  jobName?: string;
  ttl?: string;
  nodeSelector: string[];
  dryRun?: boolean;
}

const LABEL = 'pgBenchJob';
const NAME_SUFFIX_RANGE = 1_000_000;

/** As the reference: pgbench's arguments only after `--`, so that none is taken for the command's own. */
export function requireDash(args: readonly string[], argv: readonly string[] = process.argv): void {
  if (args.length > 0 && !argv.includes('--')) throw new CliError(`error: pgbench's arguments go after the -- delimiter (e.g. pgbench CLUSTER -- --time 30), got ${args.map((a) => JSON.stringify(a)).join(' ')}`);
}

export function checkPgbenchArgs(args: readonly string[], dbName: string): void {
  const bad = args.find(hasControlCharacter);
  if (bad !== undefined) throw new CliError(`error: pgbench argument ${JSON.stringify(bad)} holds a control character`);
  if (dbName === '' || hasControlCharacter(dbName)) throw new CliError(`error: --db-name: ${JSON.stringify(dbName)} is not a database name`);
}

function nodeSelector(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new CliError(`error: --node-selector: "${p}" is not LABEL=VALUE`);
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  );
}

/** The Job as the reference plugin builds it: PGHOST the -rw Service, user and password from the -app Secret. */
export function pgbenchJob(cluster: Cluster, args: readonly string[], o: PgbenchOptions, random = Math.random): KubeObject {
  checkPgbenchArgs(args, o.dbName);
  const name = cluster.metadata.name;
  const jobName = o.jobName ?? `${name}-pgbench-${Math.floor(random() * NAME_SUFFIX_RANGE)}`;
  const ttl = o.ttl === undefined ? 0 : Number(o.ttl);
  if (!Number.isInteger(ttl) || ttl < 0) throw new CliError(`error: --ttl: "${o.ttl}" is not a whole number of seconds`);
  const labels = { [LABEL]: name };
  const app = secretNames(name).app;
  const fromApp = (key: string) => ({ valueFrom: { secretKeyRef: { name: app, key } } });
  const image = ((cluster.status ?? {}) as ClusterStatus).image ?? cluster.spec.imageName;
  if (!image) throw new CliError(`error: cluster ${name} has no image yet (status.image is empty); wait until it runs`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName, namespace: cluster.metadata.namespace, labels },
    spec: {
      ...(ttl > 0 ? { ttlSecondsAfterFinished: ttl } : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(cluster.spec.schedulerName ? { schedulerName: cluster.spec.schedulerName } : {}),
          containers: [
            {
              name: 'pgbench',
              image,
              imagePullPolicy: 'Always',
              env: [
                { name: 'PGHOST', value: serviceNames(name).rw },
                { name: 'PGDATABASE', value: o.dbName },
                { name: 'PGPORT', value: String(POSTGRES_PORT) },
                { name: 'PGUSER', ...fromApp('username') },
                { name: 'PGPASSWORD', ...fromApp('password') },
              ],
              command: ['pgbench'],
              args: [...args],
            },
          ],
          ...(nodeSelector(o.nodeSelector) ? { nodeSelector: nodeSelector(o.nodeSelector) } : {}),
          ...(cluster.spec.imagePullSecrets?.length ? { imagePullSecrets: cluster.spec.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
        },
      },
    },
  } as KubeObject;
}

/** pgbench of the Cluster's major where installed, else any installed one: it speaks to every server. */
function pgbenchBinary(major: number | undefined): string {
  const installations = findInstallations();
  const chosen = [...installations.filter((i) => i.major === major), ...installations].find((i) => existsSync(join(i.binDir, 'pgbench')));
  if (!chosen) throw new CliError('error: pgbench is not installed (it comes with the PostgreSQL server package)');
  return join(chosen.binDir, 'pgbench');
}

/** Locally: pgbench in the foreground against the -rw endpoint; its exit status is the command's. */
export async function localPgbench(client: DaemonClient, namespace: string, clusterName: string, args: string[], o: PgbenchOptions): Promise<number> {
  checkPgbenchArgs(args, o.dbName);
  const cluster = (await client.get('Cluster', namespace, clusterName)) as Cluster;
  const rw = ((cluster.status ?? {}) as ClusterStatus).localEndpoints?.rw;
  if (!rw) throw new CliError(`error: cluster ${clusterName} has no read-write endpoint yet (phase: ${((cluster.status ?? {}) as ClusterStatus).phase ?? 'unknown'})`);
  const secret = await client.tryGet('Secret', namespace, secretNames(clusterName).app);
  const creds = decodeData(secret);
  if (!creds.username || !creds.password) throw new CliError(`error: secret ${secretNames(clusterName).app} is missing or holds no username and password yet`);
  const bin = pgbenchBinary(clusterMajor(cluster));
  const env = { PGHOST: rw.host, PGPORT: String(rw.port), PGDATABASE: o.dbName, PGUSER: creds.username };
  if (o.dryRun) {
    process.stdout.write(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} PGPASSWORD=(from secret ${secretNames(clusterName).app}) ${[bin, ...args].map((a) => JSON.stringify(a)).join(' ')}\n`);
    return 0;
  }
  const child = spawn(bin, args, { stdio: 'inherit', env: { ...process.env, ...env, PGPASSWORD: creds.password, PGSSLMODE: process.env.PGSSLMODE ?? 'prefer' } });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new CliError(`error: cannot run ${bin}: ${e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
