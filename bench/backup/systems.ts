// What bench/backup drives: the cnpg CLI with a private CNPG_HOME (the already built
// dist/src/cli/main.js of this repository, or $CNPG_CLI), barman-cloud's tools as the cluster's
// operating-system user (its own when the control plane runs as root), and the instance's folders
// read directly (as root or as that user).
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot, lookupUser, type OsUser } from '../../src/platform/local/home.js';
import { run, type RunResult } from '../failover/procs.js';

/** The repository root, from dist/bench/backup/ or .build-bench/bench/backup/. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = process.env.CNPG_CLI ?? join(REPO, 'dist/src/cli/main.js');
let runAs: OsUser | undefined;

/**
 * From now on barman-cloud runs as `cluster`'s operating-system user, and paths are given to it:
 * as root each cluster has a user of its own (src/platform/local/cluster-users.ts), and only that
 * user may reach its server's socket.
 */
export function actAsInstancesOf(home: string, cluster: string, namespace = 'default'): void {
  if (!isRoot()) return;
  const record = JSON.parse(readFileSync(join(home, 'instances', namespace, cluster, 'os-user.json'), 'utf8')) as { name: string };
  runAs = lookupUser(record.name);
  if (!runAs) throw new Error(`cluster ${cluster} runs as ${record.name}, which this machine does not know`);
}

const HOUR = 3_600_000;

export class Cnpg {
  constructor(readonly home: string) {}

  async run(args: string[], input?: string, timeoutMs = 300_000): Promise<string> {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, CNPG_HOME: this.home }, input, timeoutMs });
    if (r.code !== 0) throw new Error(`cnpg ${args.join(' ')}: ${(r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).slice(-2000)}`);
    return r.stdout;
  }

  /** psql as the postgres superuser inside the instance; unaligned rows. */
  async sql(pod: string, query: string, database = 'app', timeoutMs = HOUR): Promise<string> {
    return (await this.run(['exec', pod, '--', 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', database, '-Atc', query], undefined, timeoutMs)).trim();
  }

  async waitReady(cluster: string, timeoutS: number): Promise<void> {
    await this.run(['wait', '--for=condition=Ready', `cluster/${cluster}`, `--timeout=${timeoutS}s`], undefined, (timeoutS + 30) * 1000);
  }

  async pod(name: string): Promise<PodLocal> {
    const p = JSON.parse(await this.run(['get', 'pod', name, '-o', 'json'])) as { status: { local: PodLocal } };
    return p.status.local;
  }

  async appUri(cluster: string): Promise<string> {
    return Buffer.from((await this.run(['get', 'secret', `${cluster}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  }

  instanceDir(cluster: string, pod: string): string {
    return join(this.home, 'instances', 'default', cluster, pod);
  }
}

export interface PodLocal {
  port: number;
  socketDir: string;
  pgdata: string;
}

export interface Store {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** The Secret and the barmanObjectStore stanza both clusters use. */
export function secretManifest(s: Pick<Store, 'accessKeyId' | 'secretAccessKey'>): string {
  const b64 = (x: string) => Buffer.from(x).toString('base64');
  return `apiVersion: v1
kind: Secret
metadata:
  name: bench-s3
type: Opaque
data:
  ACCESS_KEY_ID: ${b64(s.accessKeyId)}
  SECRET_ACCESS_KEY: ${b64(s.secretAccessKey)}
`;
}

function storeYaml(indent: string, s: Store, path: string): string {
  return [
    `destinationPath: ${path}`,
    `endpointURL: ${s.endpoint}`,
    's3Credentials:',
    '  accessKeyId: {name: bench-s3, key: ACCESS_KEY_ID}',
    '  secretAccessKey: {name: bench-s3, key: SECRET_ACCESS_KEY}',
  ]
    .map((l) => indent + l)
    .join('\n');
}

export function sourceCluster(name: string, s: Store, o: { compression: string; jobs: number; walParallel: number }): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 20Gi
  bootstrap:
    initdb:
      database: app
      owner: app
  backup:
    barmanObjectStore:
${storeYaml('      ', s, 's3://bench/cnpg')}
      wal:
        compression: ${o.compression}
        maxParallel: ${o.walParallel}
      data:
        compression: ${o.compression}
        jobs: ${o.jobs}
    volumeSnapshot: {}
`;
}

/** A cluster from a local volume snapshot (bootstrap.recovery.volumeSnapshots), replaying the snapshot's own WAL. */
export function snapshotRecoveryCluster(name: string, snapshot: string): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 20Gi
  bootstrap:
    recovery:
      database: app
      owner: app
      volumeSnapshots:
        storage:
          name: ${snapshot}
          kind: VolumeSnapshot
          apiGroup: snapshot.storage.k8s.io
`;
}

export function recoveryCluster(name: string, source: string, s: Store, walParallel: number): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 20Gi
  bootstrap:
    recovery:
      source: ${source}
      database: app
      owner: app
  externalClusters:
    - name: ${source}
      barmanObjectStore:
${storeYaml('        ', s, 's3://bench/cnpg')}
        wal:
          maxParallel: ${walParallel}
`;
}

/** A barman-cloud tool as the instances' user, with the store's credentials in its environment. */
export async function barman(tool: string, args: string[], s: Store, cwd: string): Promise<RunResult> {
  const r = await run(tool, ['--cloud-provider', 'aws-s3', '--endpoint-url', s.endpoint, ...args], {
    uid: runAs?.uid,
    gid: runAs?.gid,
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: s.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
      AWS_DEFAULT_REGION: s.region,
    },
    timeoutMs: 2 * HOUR,
  });
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')}: exit ${r.code}\n${(r.stderr || r.stdout).slice(-3000)}`);
  return r;
}

/** Makes a path of ours usable by the instances' user. */
export function giveToPostgres(path: string): void {
  if (runAs) chownSync(path, runAs.uid, runAs.gid);
}

export function mkdirFor(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  giveToPostgres(path);
  return path;
}

/** Segments PostgreSQL has marked ready for archiving and not yet done. */
export function readySegments(pgdata: string): string[] {
  const dir = join(pgdata, 'pg_wal', 'archive_status');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ready') && !f.includes('.history') && !f.includes('.backup'))
    .map((f) => f.slice(0, -'.ready'.length));
}

/**
 * Which of `names` are in the store now: the manager's stored marker (`wal-archive/<store>/<name>`)
 * exists, or PostgreSQL no longer has the segment `.ready` (it was archived; its `.done` may be
 * gone already, removed with the segment by a checkpoint).
 */
export function storedSegments(instanceDir: string, pgdata: string, names: readonly string[]): Set<string> {
  const markers = new Set<string>();
  const spool = join(instanceDir, 'wal-archive');
  if (existsSync(spool)) {
    for (const store of readdirSync(spool)) {
      try {
        for (const f of readdirSync(join(spool, store))) markers.add(f);
      } catch {
        /* not a folder */
      }
    }
  }
  const ready = new Set(readySegments(pgdata));
  return new Set(names.filter((n) => markers.has(n) || !ready.has(n)));
}

export interface LogLine {
  ts: string;
  msg: string;
}

export function managerLog(instanceDir: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of readFileSync(join(instanceDir, 'manager.log'), 'utf8').split('\n')) {
    try {
      const l = JSON.parse(line) as Partial<LogLine>;
      if (typeof l.ts === 'string' && typeof l.msg === 'string') out.push({ ts: l.ts, msg: l.msg });
    } catch {
      /* PostgreSQL's or another program's line */
    }
  }
  return out;
}

/**
 * When PostgreSQL was first started at or after `sinceMs`, from the "starting PostgreSQL" line of
 * the instance's postgres.log (log_line_prefix '%m …': "2026-01-02 03:04:05.678 UTC").
 */
export function postgresStartedAt(instanceDir: string, sinceMs: number): number | undefined {
  let text = '';
  try {
    text = readFileSync(join(instanceDir, 'postgres.log'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('starting PostgreSQL')) continue;
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+)/.exec(line);
    const at = m ? Date.parse(m[1] as string) : NaN;
    if (at >= sinceMs - 1000) return at;
  }
  return undefined;
}
