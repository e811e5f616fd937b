// What bench/pooler measures against: a 2-instance cnpg-ts Cluster in a private CNPG_HOME (driven
// through the CLI as a user would), its Poolers applied with `cnpg apply`, and a PgBouncer
// configured by hand in a temp folder as the reference, run as `postgres` like the instances.
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { LABELS } from '../../src/api/names.js';
import { lookupUser } from '../../src/platform/local/home.js';
import { freePort } from '../../src/platform/local/ports.js';
import { killMentioning, onCleanup, signal } from '../failover/procs.js';
import { BenchHome } from '../local-home.js';

export const CLUSTER = 'bench';
/** The setting: 1000 clients must share what 100 connections allow. */
export const MAX_CONNECTIONS = 100;
/** PgBouncer's pool per user and database, for the Pooler and the reference alike. */
export const POOL_SIZE = 20;
const PGBOUNCER = '/usr/sbin/pgbouncer';

interface StatusReport {
  phase?: string;
  endpointPath?: string;
  instances: number;
  readyInstances: number;
  currentPrimary?: string;
  instancesStatus: Array<{ name: string; isPrimary: boolean; ready: boolean; postmasterPid?: number }>;
}

interface Pod {
  metadata: { name: string; labels: Record<string, string> };
  status: { local: { pid?: number; port: number } };
}

export function clusterManifest(): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${CLUSTER}
spec:
  instances: 2
  storage:
    size: 1Gi
  postgresql:
    parameters:
      max_connections: "${MAX_CONNECTIONS}"
  bootstrap:
    initdb:
      database: app
      owner: app
`;
}

export function poolerManifest(name: string, poolMode: 'session' | 'transaction'): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: ${name}
spec:
  cluster:
    name: ${CLUSTER}
  instances: 1
  type: rw
  pgbouncer:
    poolMode: ${poolMode}
    parameters:
      max_client_conn: "1100"
      default_pool_size: "${POOL_SIZE}"
`;
}

/** The reference: what an administrator would write for the same pool, straight to the primary. */
export function referenceIni(o: { dir: string; port: number; primaryPort: number }): string {
  return `[databases]
app = host=127.0.0.1 port=${o.primaryPort} dbname=app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${o.port}
unix_socket_dir = ${o.dir}
auth_type = scram-sha-256
auth_file = ${o.dir}/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL_SIZE}
max_client_conn = 1100
server_tls_sslmode = require
logfile = ${o.dir}/pgbouncer.log
pidfile = ${o.dir}/pgbouncer.pid
`;
}

export function withPort(uri: string, port: number): string {
  const u = new URL(uri);
  u.port = String(port);
  return u.toString();
}

export class BenchSystem {
  private readonly bench = new BenchHome('cnpg-pooler-bench-');
  readonly home = this.bench.dir;
  private readonly refDir = mkdtempSync(join(tmpdir(), 'pgbouncer-ref-'));
  private reference?: ChildProcess;
  private readonly poolers: string[] = [];
  /** The app user's URI through X-rw, as the cluster's `X-app` Secret gives it. */
  uri = '';
  readonly stop: () => Promise<void>;

  constructor() {
    this.stop = onCleanup(() => this.teardown());
  }

  cnpg(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
    return this.bench.cnpg(args, input, timeoutMs);
  }

  async start(): Promise<void> {
    await this.cnpg(['apply', '-f', '-'], clusterManifest());
    await this.cnpg(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=300s'], undefined, 320_000);
    const b64 = await this.cnpg(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}']);
    this.uri = Buffer.from(b64.trim(), 'base64').toString();
  }

  /** What carries X-rw, as `cnpg status` says (kernel forwarding or the proxy alone). */
  async endpointPath(): Promise<string> {
    return (await this.report()).endpointPath ?? 'unknown';
  }

  async pods(): Promise<Pod[]> {
    return (JSON.parse(await this.cnpg(['get', 'pods', '-l', `${LABELS.cluster}=${CLUSTER}`, '-o', 'json'])) as { items: Pod[] }).items;
  }

  /** The primary's own port (for direct runs and the reference PgBouncer). */
  async primaryPort(): Promise<number> {
    const name = (await this.livePrimary()).name;
    const pod = (await this.pods()).find((p) => p.metadata.name === name);
    if (!pod) throw new Error(`no pod ${name}`);
    return pod.status.local.port;
  }

  async directUri(): Promise<string> {
    return withPort(this.uri, await this.primaryPort());
  }

  /** The cluster as `cnpg status` reports it: the instances' own live answers. */
  private async report(): Promise<StatusReport> {
    return JSON.parse(await this.cnpg(['status', CLUSTER, '-o', 'json'])) as StatusReport;
  }

  /** Healthy, every instance ready, and the one primary is the instance that says it is one. */
  async healthy(): Promise<boolean> {
    const r = await this.report();
    const primaries = r.instancesStatus.filter((i) => i.isPrimary && i.ready);
    return r.phase === 'Cluster in healthy state' && r.readyInstances === r.instances && primaries.length === 1 && primaries[0]?.name === r.currentPrimary;
  }

  /** The primary's name and postmaster pid, from its own report (labels may lag a failover). */
  async livePrimary(): Promise<{ name: string; pid: number }> {
    const p = (await this.report()).instancesStatus.find((i) => i.isPrimary && i.ready);
    if (!p?.postmasterPid) throw new Error('no instance reports itself a ready primary');
    return { name: p.name, pid: p.postmasterPid };
  }

  /** Applies a Pooler and waits until a transaction goes through its endpoint; returns that URI. */
  async pooler(name: string, poolMode: 'session' | 'transaction', timeoutMs = 120_000): Promise<string> {
    await this.cnpg(['apply', '-f', '-'], poolerManifest(name, poolMode));
    if (!this.poolers.includes(name)) this.poolers.push(name);
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const port = Number((await this.cnpg(['get', 'svc', name, '-o', 'jsonpath={.spec.ports[0].port}'])).trim());
        if (!port) throw new Error(`no port for service ${name} yet`);
        const uri = withPort(this.uri, port);
        const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 2000 });
        c.on('error', () => undefined);
        await c.connect();
        await c.query('SELECT 1').finally(() => c.end());
        return uri;
      } catch (e) {
        last = e;
        await sleep(500);
      }
    }
    throw new Error(`pooler ${name} did not serve within ${timeoutMs / 1000} s: ${(last as Error)?.message}`);
  }

  /** Starts the hand-configured PgBouncer against the current primary; returns its URI. */
  async startReference(): Promise<string> {
    const user = lookupUser('postgres');
    if (process.getuid?.() === 0 && !user) throw new Error('PgBouncer refuses to run as root, and there is no postgres user to run it as');
    const port = await freePort();
    const password = decodeURIComponent(new URL(this.uri).password);
    writeFileSync(join(this.refDir, 'pgbouncer.ini'), referenceIni({ dir: this.refDir, port, primaryPort: await this.primaryPort() }), { mode: 0o600 });
    writeFileSync(join(this.refDir, 'userlist.txt'), `"app" "${password.replace(/"/g, '""')}"\n`, { mode: 0o600 });
    if (user && process.getuid?.() === 0) for (const f of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(this.refDir, f), user.uid, user.gid);
    const ids = user && process.getuid?.() === 0 ? { uid: user.uid, gid: user.gid } : {};
    this.reference = spawn(PGBOUNCER, [join(this.refDir, 'pgbouncer.ini')], { ...ids, stdio: 'ignore' });
    const uri = withPort(this.uri, port);
    for (let i = 0; i < 50; i++) {
      const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 1000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
        return uri;
      } catch {
        await c.end().catch(() => undefined);
        await sleep(200);
      }
    }
    throw new Error(`the reference PgBouncer did not serve; see ${join(this.refDir, 'pgbouncer.log')}: ${readFileSync(join(this.refDir, 'pgbouncer.log'), 'utf8').split('\n').slice(-3).join(' ')}`);
  }

  /** Stops the reference, so its idle server connections do not count in the Pooler's. */
  async stopReference(): Promise<void> {
    const ref = this.reference;
    if (!ref?.pid || ref.exitCode !== null) return;
    const exited = new Promise((resolve) => ref.once('exit', resolve));
    signal(ref.pid, 'SIGTERM');
    await Promise.race([exited, sleep(5000)]);
  }

  private async teardown(): Promise<void> {
    await this.stopReference();
    for (const name of this.poolers) await this.cnpg(['delete', 'pooler', name], undefined, 60_000).catch(() => undefined);
    await this.bench.remove(CLUSTER);
    await killMentioning(this.refDir);
    rmSync(this.refDir, { recursive: true, force: true });
  }
}
