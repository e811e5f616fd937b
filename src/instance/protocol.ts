// The instance manager's HTTP API as data: every route with its method, path, whether it needs the
// manager's token, how long a caller waits for it, and what goes in and comes back. The server
// (server.ts) dispatches from this table and the client (client.ts) calls through it, so a route
// exists on both sides or on neither, and no caller picks its own path, method or timeout.
import type { Method } from '../net/http-transport.js';
import type { BackupReport, BackupRequest } from './base-backup.js';
import type { CatalogSummary } from './catalog.js';
import type { SnapshotBackupBegun, SnapshotBackupEnded, SnapshotBackupStart, SnapshotBackupStop } from './snapshot-backup.js';
import type { LogicalReplicationRequest } from './logical-replication.js';
import type { DatabaseAction, ObservedDatabase } from '../postgres/database-sql.js';
import type { ActionResult, ObserveDatabaseRequest } from './database-requests.js';
import type { Credentials, InstanceSpec } from './spec.js';
import type { InstancePhase, InstanceStatus } from './status.js';

/** What each route takes (path parameters, query, body) and answers. */
export interface RouteTypes {
  status: { response: InstanceStatus };
  /** 500 while the instance has failed: liveness probes and peers read the code. */
  healthz: { response: { phase: InstancePhase } };
  /** 503 until the instance is ready: readiness probes read the code. */
  readyz: { response: { ready: boolean } };
  /** Server-sent events (a postmaster exit, …) for the operator; a stream, not one answer. */
  events: { response: never };
  /** null when the instance has no record of that backup. */
  backupReport: { params: { name: string }; response: BackupReport | null };
  replaceSpec: { body: { spec: InstanceSpec; credentials: Credentials }; response: InstanceStatus };
  reconcile: { response: InstanceStatus };
  restart: { response: InstanceStatus };
  /** Promotes once WAL up to minLsn has arrived, when given (a switchover's old primary's end of WAL). */
  promote: { query: { minLsn?: string }; response: InstanceStatus };
  demote: { response: { lsn: string } };
  isolate: { response: InstanceStatus };
  startBackup: { body: BackupRequest; response: BackupReport };
  refreshCatalog: { response: CatalogSummary | Record<string, never> };
  /** Volume snapshots: backup mode held on a session of the manager's until stopped or aborted. */
  snapshotBackupStart: { body: SnapshotBackupStart; response: SnapshotBackupBegun };
  snapshotBackupStop: { body: SnapshotBackupStop; response: SnapshotBackupEnded };
  snapshotBackupAbort: { body: { backupName: string }; response: Record<string, never> };
  /** pg_controldata's output (LC_ALL=C), as CloudNativePG's manager serves it for a snapshot's annotations. */
  controlData: { response: { output: string } };
  shutdown: { response: { stopping: true } };
  /** A Publication or Subscription applied or dropped on the primary; a PostgreSQL error is an answer, not a failure. */
  logicalReplication: { body: LogicalReplicationRequest; response: { applied: boolean; message?: string } };
  /** A Database object's database as the primary sees it (operator/database-controller.ts). */
  observeDatabase: { body: ObserveDatabaseRequest; response: ObservedDatabase };
  /** Runs the planned actions on the primary; one result per action, in order. */
  applyDatabase: { body: { actions: DatabaseAction[] }; response: { results: ActionResult[] } };
}

export type RouteName = keyof RouteTypes;
export type { Method };

export interface Route {
  method: Method;
  /** `:name` segments are path parameters. */
  path: string;
  /** Only the holder of the manager's token (the operator) may call it. */
  token: boolean;
  /** How long a caller waits for the answer; for a stream, for its first byte. */
  timeoutMs: number;
  /** A 404 answer means "no such thing" and comes back as null rather than as an error. */
  notFoundIsNull?: true;
  /** The answer is an open-ended event stream. */
  stream?: true;
}

/**
 * The longer timeouts are the server-side work they wait for: promote waits up to 30 s for WAL and
 * 60 s for pg_promote; demote's checkpoint and a 30 s stop; a restart stops and starts PostgreSQL,
 * which replays WAL; a catalog refresh lists the object store.
 */
export const ROUTES = {
  status: { method: 'GET', path: '/pg/status', token: false, timeoutMs: 1000 },
  healthz: { method: 'GET', path: '/healthz', token: false, timeoutMs: 1000 },
  readyz: { method: 'GET', path: '/readyz', token: false, timeoutMs: 1000 },
  events: { method: 'GET', path: '/events', token: true, timeoutMs: 5000, stream: true },
  backupReport: { method: 'GET', path: '/backups/:name', token: false, timeoutMs: 1000, notFoundIsNull: true },
  replaceSpec: { method: 'PUT', path: '/spec', token: true, timeoutMs: 30_000 },
  reconcile: { method: 'POST', path: '/reconcile', token: true, timeoutMs: 10_000 },
  restart: { method: 'POST', path: '/pg/restart', token: true, timeoutMs: 300_000 },
  promote: { method: 'POST', path: '/pg/promote', token: true, timeoutMs: 90_000 },
  demote: { method: 'POST', path: '/pg/demote', token: true, timeoutMs: 120_000 },
  isolate: { method: 'POST', path: '/pg/isolate', token: true, timeoutMs: 5000 },
  startBackup: { method: 'POST', path: '/backups', token: true, timeoutMs: 10_000 },
  refreshCatalog: { method: 'POST', path: '/catalog/refresh', token: true, timeoutMs: 60_000 },
  // pg_backup_start waits for a checkpoint (a spread one unless immediate); pg_backup_stop may wait for the archive.
  snapshotBackupStart: { method: 'POST', path: '/snapshot-backup/start', token: true, timeoutMs: 600_000 },
  snapshotBackupStop: { method: 'POST', path: '/snapshot-backup/stop', token: true, timeoutMs: 600_000 },
  snapshotBackupAbort: { method: 'POST', path: '/snapshot-backup/abort', token: true, timeoutMs: 10_000 },
  controlData: { method: 'GET', path: '/pg/controldata', token: true, timeoutMs: 10_000 },
  shutdown: { method: 'POST', path: '/shutdown', token: true, timeoutMs: 5000 },
  // CREATE SUBSCRIPTION connects to the publisher and creates its slot there.
  logicalReplication: { method: 'POST', path: '/logical-replication', token: true, timeoutMs: 60_000 },
  observeDatabase: { method: 'POST', path: '/databases/observe', token: true, timeoutMs: 10_000 },
  // CREATE DATABASE copies its template and DROP DATABASE removes files: both take a while on a large one.
  applyDatabase: { method: 'POST', path: '/databases/apply', token: true, timeoutMs: 120_000 },
} as const satisfies Record<RouteName, Route>;

/** The largest request body a route accepts: a spec with its credentials (TLS material included) fits many times over. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

type Field<N extends RouteName, K extends string> = RouteTypes[N] extends Record<K, infer T> ? T : undefined;
export type RouteParams<N extends RouteName> = Field<N, 'params'>;
export type RouteQuery<N extends RouteName> = Field<N, 'query'>;
export type RouteBody<N extends RouteName> = Field<N, 'body'>;
export type RouteResponse<N extends RouteName> = RouteTypes[N]['response'];

/** What a call carries besides the route; routes that take nothing need nothing. */
export type RouteInput<N extends RouteName> = { params?: RouteParams<N>; query?: RouteQuery<N>; body?: RouteBody<N> };

/** The request path of a call: parameters filled in and encoded, query appended (empty values left out). */
export function routePath<N extends RouteName>(name: N, input: RouteInput<N> = {}): string {
  const params = (input.params ?? {}) as Record<string, string>;
  const path = ROUTES[name].path.replace(/:(\w+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`route ${name} needs the path parameter ${key}`);
    return encodeURIComponent(value);
  });
  const query = Object.entries((input.query ?? {}) as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return query.length === 0 ? path : `${path}?${new URLSearchParams(query).toString()}`;
}

/** The route a request is for, with its decoded path parameters; undefined when the table has none. */
export function matchRoute(method: string | undefined, path: string): { name: RouteName; params: Record<string, string> } | undefined {
  const segments = path.split('/');
  for (const [name, route] of Object.entries(ROUTES) as Array<[RouteName, Route]>) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((p, i) => {
      const segment = segments[i] ?? '';
      if (!p.startsWith(':')) return p === segment;
      if (segment === '') return false;
      try {
        params[p.slice(1)] = decodeURIComponent(segment);
        return true;
      } catch {
        return false;
      }
    });
    if (matches) return { name, params };
  }
  return undefined;
}
