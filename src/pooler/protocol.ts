// The pooler manager's HTTP API as data, as the instance manager's (instance/protocol.ts): the
// server dispatches from this table and the client calls through it, so both platforms reach a
// pooler manager the same way and no caller picks its own path or timeout.

/** What a pooler manager reports; the platforms turn it into the Pooler's observed instances. */
export interface PoolerStatus {
  /** The hash (pgbouncer/handout.ts) of the handout PgBouncer runs with; absent before the first. */
  appliedHash?: string;
  /** PgBouncer runs with a handout applied and its console answers. */
  ready: boolean;
  /** PAUSE has completed: no server connection is in use, clients wait. */
  paused: boolean;
  /** PgBouncer's process id while it runs. */
  pid?: number;
  /** Why the newest handout is not applied, or why PgBouncer does not run; absent when all is well. */
  error?: string;
  /** How many times PgBouncer was started again after it died. */
  restarts: number;
}

export interface RouteTypes {
  status: PoolerStatus;
  /** 200 while the manager's loop answers: liveness. */
  healthz: { alive: true };
  /** 503 until PgBouncer runs with a handout applied: readiness. */
  readyz: { ready: boolean };
  /** Prometheus text, cnpg_pgbouncer_*. */
  metrics: string;
}

export type RouteName = keyof RouteTypes;

export interface Route {
  method: 'GET';
  path: string;
  /** How long a caller waits: /metrics queries PgBouncer's console three times. */
  timeoutMs: number;
  /** The answer is text, not JSON. */
  text?: true;
}

export const ROUTES = {
  status: { method: 'GET', path: '/status', timeoutMs: 2000 },
  healthz: { method: 'GET', path: '/healthz', timeoutMs: 2000 },
  readyz: { method: 'GET', path: '/readyz', timeoutMs: 2000 },
  metrics: { method: 'GET', path: '/metrics', timeoutMs: 10_000, text: true },
} as const satisfies Record<RouteName, Route>;

/** The route a request is for; undefined when the table has none. */
export function matchRoute(method: string | undefined, path: string): RouteName | undefined {
  return (Object.keys(ROUTES) as RouteName[]).find((name) => ROUTES[name].method === method && ROUTES[name].path === path);
}
