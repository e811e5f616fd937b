// The instance manager's side of the metrics exporter: the role it logs in as, the settings it
// reads from the spec on every collection, and the HTTP server answering GET /metrics.
import { createServer, type Server } from 'node:http';
import type pg from 'pg';
import { Exporter } from '../exporter/exporter.js';
import { NO_FACTS, type ExporterSettings } from '../exporter/settings.js';
import { METRICS_EXPORTER_USER } from '../postgres/hba.js';
import { quoteIdent } from '../postgres/sql.js';
import { log } from './log.js';
import type { SocketTarget } from './db.js';
import type { InstanceSpec } from './spec.js';

/** Scrapers, probes and curious users need a handful; beyond this the server stops accepting sockets. */
const MAX_CONNECTIONS = 32;

/**
 * The exporter's role on the primary (standbys receive it through replication): it logs in, holds
 * pg_monitor and nothing else, and has no password, so only peer authentication over the socket lets it in.
 */
export async function ensureMetricsExporterRole(c: pg.ClientBase): Promise<void> {
  const role = quoteIdent(METRICS_EXPORTER_USER);
  const r = await c.query<{ ok: boolean; monitor: boolean }>(
    `SELECT rolcanlogin AND rolinherit AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls) AND rolpassword IS NULL AS ok,
            pg_has_role(oid, 'pg_monitor', 'MEMBER') AS monitor
       FROM pg_authid WHERE rolname = $1`,
    [METRICS_EXPORTER_USER],
  );
  const found = r.rows[0];
  if (!found) await c.query(`CREATE ROLE ${role} WITH LOGIN PASSWORD NULL`);
  else if (!found.ok) await c.query(`ALTER ROLE ${role} WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT LOGIN PASSWORD NULL`);
  if (!found?.monitor) await c.query(`GRANT pg_monitor TO ${role}`);
}

/** Queries name no database: the application's (initdb, recovery) or postgres, as CloudNativePG defaults it. */
function defaultDatabase(spec: InstanceSpec): string {
  return spec.bootstrap.kind === 'join' ? 'postgres' : spec.bootstrap.database;
}

export function exporterSettings(spec: InstanceSpec): ExporterSettings {
  return {
    cluster: spec.cluster,
    defaultDatabase: defaultDatabase(spec),
    fenced: spec.fenced,
    monitoring: spec.monitoring ?? { queries: [], queriesTtlSeconds: 0, facts: NO_FACTS },
  };
}

export function createExporter(spec: () => InstanceSpec, socket: () => SocketTarget): Exporter {
  return new Exporter(socket, () => exporterSettings(spec()));
}

/** Serves GET /metrics on `port`; the caller closes the server and the exporter. */
export async function startMetricsServer(exporter: Exporter, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('only GET\n');
      return;
    }
    exporter.metrics().then(
      (text) => res.writeHead(200, { 'content-type': exporter.contentType, 'content-length': Buffer.byteLength(text) }).end(req.method === 'HEAD' ? undefined : text),
      (e: unknown) => {
        log('error', 'metrics collection failed', { error: (e as Error).message });
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${(e as Error).message}\n`);
      },
    );
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
