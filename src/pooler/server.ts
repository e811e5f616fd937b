// The pooler manager's one HTTP port, dispatched from the route table in protocol.ts: /metrics for
// Prometheus, /healthz and /readyz for probes, /status for the platform. Read-only, so no token.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { PoolerManager } from './manager.js';
import { matchRoute, type RouteName } from './protocol.js';

/** Probes, the platform and a scraper need a handful. */
const MAX_CONNECTIONS = 32;

function send(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One handler per route of the table: a route missing here, or one the table lacks, does not compile. */
type Handlers = { [N in RouteName]: (res: ServerResponse) => Promise<void> };

function handlers(manager: PoolerManager): Handlers {
  return {
    status: async (res) => send(res, 200, JSON.stringify(manager.status())),
    healthz: async (res) => send(res, 200, JSON.stringify({ alive: true })),
    readyz: async (res) => {
      const { ready } = manager.status();
      send(res, ready ? 200 : 503, JSON.stringify({ ready }));
    },
    metrics: async (res) => {
      const { contentType, text } = await manager.metricsText();
      send(res, 200, text, contentType);
    },
  };
}

export function startPoolerServer(manager: PoolerManager, port: number, host: string): Promise<Server> {
  const routes = handlers(manager);
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://manager').pathname;
    const name = matchRoute(req.method, path);
    if (!name) return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${path}` }));
    routes[name](res).catch((e: Error) => send(res, 500, JSON.stringify({ error: e.message })));
  });
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
