// The instance manager's HTTP API: status and probes for anyone on the host, the event stream and
// commands only with the token. Connections are bounded, so nobody on the host can exhaust it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { BackupRequest } from './base-backup.js';
import { RefusedError, type InstanceManager } from './manager.js';
import type { Credentials, InstanceSpec } from './spec.js';

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  if (!text) return {};
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function backupRequest(body: Record<string, unknown>): BackupRequest {
  const { backupName, immediateCheckpoint, jobs } = body;
  if (typeof backupName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(backupName)) throw new Error('backupName must be a resource name');
  if (immediateCheckpoint !== undefined && typeof immediateCheckpoint !== 'boolean') throw new Error('immediateCheckpoint must be true or false');
  if (jobs !== undefined && !(Number.isInteger(jobs) && (jobs as number) >= 1)) throw new Error('jobs must be a positive integer');
  return { backupName, immediateCheckpoint, jobs: jobs as number | undefined };
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** The operator holds one stream per manager; a few more cover a restarted operator whose old stream is still closing. */
export const MAX_EVENT_STREAMS = 8;
/** Beyond this the server stops accepting sockets; probes, peers and the operator need a handful. */
export const MAX_CONNECTIONS = 64;
/** A client that has not sent its headers by then is dropped, so idle sockets cannot hold the cap. */
const HEADERS_TIMEOUT_MS = 10_000;

/** Server-sent events: the operator learns of a postmaster exit the moment it happens. */
function streamEvents(manager: InstanceManager, res: ServerResponse, streams: Set<ServerResponse>): void {
  if (streams.size >= MAX_EVENT_STREAMS) {
    return send(res, 503, { error: `too many event streams: ${MAX_EVENT_STREAMS} are open already; close one and retry` });
  }
  streams.add(res);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': connected\n\n');
  const onEvent = (e: unknown) => res.write(`data: ${JSON.stringify(e)}\n\n`);
  manager.on('event', onEvent);
  res.on('close', () => {
    streams.delete(res);
    manager.off('event', onEvent);
  });
}

export function startStatusServer(manager: InstanceManager, port: number, onShutdown: () => void, host = '127.0.0.1'): Promise<Server> {
  const streams = new Set<ServerResponse>();
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 30_000 }, (req, res) => {
    void (async () => {
      const route = `${req.method} ${req.url?.split('?')[0]}`;
      try {
        switch (route) {
          case 'GET /events':
            if (!authorized(req, manager.token)) return send(res, 401, { error: 'missing or wrong bearer token' });
            return streamEvents(manager, res, streams);
          case 'GET /pg/status':
            return send(res, 200, await manager.status());
          case 'GET /healthz': {
            const s = await manager.status();
            return send(res, s.phase === 'failed' ? 500 : 200, { phase: s.phase });
          }
          case 'GET /readyz': {
            const s = await manager.status();
            return send(res, s.ready ? 200 : 503, { ready: s.ready });
          }
        }
        if (req.method === 'GET' && route.startsWith('GET /backups/')) {
          const report = manager.backupReport(decodeURIComponent(route.slice('GET /backups/'.length)));
          return report ? send(res, 200, report) : send(res, 404, { error: 'no such backup on this instance' });
        }
        if (req.method !== 'POST' && req.method !== 'PUT') return send(res, 404, { error: `no route ${route}` });
        if (!authorized(req, manager.token)) return send(res, 401, { error: 'missing or wrong bearer token' });
        switch (route) {
          case 'PUT /spec': {
            const body = await readJson(req).catch((e: Error) => e);
            if (body instanceof Error || typeof body.spec !== 'object' || typeof body.credentials !== 'object') {
              return send(res, 400, { error: 'the body must be {"spec": {...}, "credentials": {...}}' });
            }
            await manager.replaceSpec(body.spec as InstanceSpec, body.credentials as Credentials);
            return send(res, 200, await manager.status());
          }
          case 'POST /reconcile':
            await manager.requestReconcile();
            return send(res, 200, await manager.status());
          case 'POST /pg/restart':
            await manager.restartPostgres();
            return send(res, 200, await manager.status());
          case 'POST /pg/promote': {
            const minLsn = new URL(req.url ?? '/', 'http://x').searchParams.get('minLsn') ?? undefined;
            return send(res, 200, await manager.promote(minLsn));
          }
          case 'POST /pg/demote':
            return send(res, 200, await manager.demote());
          case 'POST /pg/reload':
            await manager.requestReconcile();
            manager.reloadPostgres();
            return send(res, 200, await manager.status());
          case 'POST /pg/isolate':
            await manager.isolate('requested by the operator');
            return send(res, 200, await manager.status());
          case 'POST /backups': {
            let request: BackupRequest;
            try {
              request = backupRequest(await readJson(req));
            } catch (e) {
              return send(res, 400, { error: (e as Error).message });
            }
            return send(res, 202, manager.startBackup(request));
          }
          case 'POST /catalog/refresh':
            await manager.refreshCatalog();
            return send(res, 200, (await manager.status()).catalog ?? {});
          case 'POST /shutdown':
            send(res, 202, { stopping: true });
            return onShutdown();
          default:
            return send(res, 404, { error: `no route ${route}` });
        }
      } catch (e) {
        send(res, e instanceof RefusedError ? 409 : 500, { error: (e as Error).message });
      }
    })();
  });
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
