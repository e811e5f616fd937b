// What bench/metrics measures: a 1-instance cnpg-ts Cluster in a private CNPG_HOME (driven through
// the CLI as a user would), filled with many tables and databases so the default queries have
// something to walk, and its instance manager's /metrics.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LABELS } from '../../src/api/names.js';
import { onCleanup } from '../failover/procs.js';
import { withPort } from '../pooler/system.js';
import { BenchHome } from '../local-home.js';
import { secretManifest } from '../backup/systems.js';

export const CLUSTER = 'bench-metrics';

interface Pod {
  metadata: { name: string };
  status: { local: { port: number; pid?: number; managerPid?: number; metricsPort?: number } };
}

/** The object store the cluster archives to, with its credentials in Secret bench-s3. */
export interface S3Target {
  endpoint: string;
  bucket: string;
}

export function clusterManifest(ttlSeconds: number, s3?: S3Target): string {
  const backup = s3
    ? `  backup:
    barmanObjectStore:
      destinationPath: s3://${s3.bucket}/metrics
      endpointURL: ${s3.endpoint}
      s3Credentials:
        accessKeyId: {name: bench-s3, key: ACCESS_KEY_ID}
        secretAccessKey: {name: bench-s3, key: SECRET_ACCESS_KEY}
`
    : '';
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${CLUSTER}
spec:
  instances: 1
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  monitoring:
    metricsQueriesTTL: ${ttlSeconds}s
  bootstrap:
    initdb:
      database: app
      owner: app
${backup}`;
}

export class MetricsBenchSystem {
  private readonly bench = new BenchHome('cnpg-metrics-bench-');
  readonly home = this.bench.dir;
  /** The superuser's URI straight to the instance's port, database app. */
  superuserUri = '';
  metricsUrl = '';
  managerPid = 0;
  postmasterPid = 0;
  readonly stop: () => Promise<void>;

  constructor() {
    this.stop = onCleanup(() => this.teardown());
  }

  cnpg(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
    return this.bench.cnpg(args, input, timeoutMs);
  }

  async start(ttlSeconds: number, s3?: S3Target & { accessKeyId: string; secretAccessKey: string }): Promise<void> {
    if (s3) await this.cnpg(['apply', '-f', '-'], secretManifest(s3));
    await this.cnpg(['apply', '-f', '-'], clusterManifest(ttlSeconds, s3));
    await this.cnpg(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=300s'], undefined, 320_000);
    const pod = (JSON.parse(await this.cnpg(['get', 'pods', '-l', `${LABELS.cluster}=${CLUSTER}`, '-o', 'json'])) as { items: Pod[] }).items[0];
    const local = pod?.status.local;
    if (!local?.metricsPort || !local.managerPid || !local.pid) throw new Error(`the instance reports no metrics port, manager or postmaster pid: ${JSON.stringify(local)}`);
    this.metricsUrl = `http://127.0.0.1:${local.metricsPort}/metrics`;
    this.managerPid = local.managerPid;
    this.postmasterPid = local.pid;
    const b64 = await this.cnpg(['get', 'secret', `${CLUSTER}-superuser`, '-o', 'jsonpath={.data.uri}']);
    const uri = new URL(withPort(Buffer.from(b64.trim(), 'base64').toString(), local.port));
    uri.pathname = '/app';
    this.superuserUri = uri.toString();
  }

  /** `tables` tables with a primary key in app, and `databases` more databases. */
  async populate(tables: number, databases: number): Promise<void> {
    const c = new pg.Client({ connectionString: this.superuserUri });
    await c.connect();
    try {
      await c.query(`DO $$ BEGIN FOR i IN 1..${tables} LOOP EXECUTE format('CREATE TABLE IF NOT EXISTS bench_t_%s (id int PRIMARY KEY, v text)', i); END LOOP; END $$`);
      for (let i = 1; i <= databases; i++) {
        const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [`bench_db_${i}`]);
        if (exists.rowCount === 0) await c.query(`CREATE DATABASE bench_db_${i}`);
      }
    } finally {
      await c.end();
    }
  }

  /**
   * Waits (at most `timeoutMs`) until no WAL segment waits to be archived, so a pgbench run does not
   * inherit the archiving backlog of the one before it. Returns the segments still waiting.
   */
  async archiveDrained(timeoutMs = 180_000): Promise<number> {
    const c = new pg.Client({ connectionString: this.superuserUri });
    await c.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'");
        const waiting = r.rows[0]?.n ?? 0;
        if (waiting === 0 || Date.now() > deadline) return waiting;
        await sleep(500);
      }
    } finally {
      await c.end();
    }
  }

  /** One scrape: milliseconds until the whole body arrived, and its size. */
  async scrape(): Promise<{ ms: number; bytes: number; ok: boolean }> {
    const t0 = performance.now();
    const res = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    return { ms: performance.now() - t0, bytes: body.length, ok: res.ok };
  }

  private teardown(): Promise<void> {
    return this.bench.remove(CLUSTER);
  }
}
