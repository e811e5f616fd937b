// The instance manager's HTTP API, dispatched from the route table in protocol.ts: status and probes
// for anyone on the host, the event stream and commands only with the token (as the table says).
// Connections and request bodies are bounded, so nobody on the host can exhaust it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { BackupRequest } from './base-backup.js';
import { RefusedError, type InstanceManager } from './manager.js';
import { MAX_BODY_BYTES, ROUTES, matchRoute, type RouteName, type RouteResponse } from './protocol.js';
import type { Credentials, InstanceSpec } from './spec.js';
import { parseLogicalReplicationRequest, type LogicalReplicationRequest } from './logical-replication.js';
import { applyRequestSchema, observeRequestSchema } from './database-requests.js';
import { snapshotRequest } from './snapshot-request.js';

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
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

/** What a handler answers: a code and a body of the route's type, or an error sentence. */
type Reply<N extends RouteName> = { code: number; body: RouteResponse<N> | { error: string } };

interface Call {
  params: Record<string, string>;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

/** One handler per route of the table: a route missing here, or one the table lacks, does not compile. */
type Handlers = { [N in RouteName]: (c: Call) => Promise<Reply<N> | undefined> };

function handlers(manager: InstanceManager, streams: Set<ServerResponse>, onShutdown: () => void): Handlers {
  const ok = async () => ({ code: 200, body: await manager.status() });
  return {
    status: ok,
    healthz: async () => {
      const s = await manager.status();
      return { code: s.phase === 'failed' ? 500 : 200, body: { phase: s.phase } };
    },
    readyz: async () => {
      const s = await manager.status();
      return { code: s.ready ? 200 : 503, body: { ready: s.ready } };
    },
    events: ({ res }) => {
      streamEvents(manager, res, streams);
      return Promise.resolve(undefined);
    },
    backupReport: ({ params }) => {
      const report = manager.backupReport(params.name ?? '');
      return Promise.resolve(report ? { code: 200, body: report } : { code: 404, body: { error: 'no such backup on this instance' } });
    },
    replaceSpec: async ({ req }) => {
      const body = await readJson(req).catch((e: Error) => e);
      if (body instanceof Error || typeof body.spec !== 'object' || typeof body.credentials !== 'object') {
        return { code: 400, body: { error: body instanceof BodyTooLarge ? body.message : 'the body must be {"spec": {...}, "credentials": {...}}' } };
      }
      await manager.replaceSpec(body.spec as InstanceSpec, body.credentials as Credentials);
      return ok();
    },
    reconcile: async () => {
      await manager.requestReconcile();
      return ok();
    },
    restart: async () => {
      await manager.restartPostgres();
      return ok();
    },
    promote: async ({ query }) => ({ code: 200, body: await manager.promote(query.get('minLsn') || undefined) }),
    demote: async () => ({ code: 200, body: await manager.demote() }),
    isolate: async () => {
      await manager.isolate('requested by the operator');
      return ok();
    },
    startBackup: async ({ req }) => {
      let request: BackupRequest;
      try {
        request = backupRequest(await readJson(req));
      } catch (e) {
        return { code: 400, body: { error: (e as Error).message } };
      }
      return { code: 202, body: manager.startBackup(request) };
    },
    logicalReplication: async ({ req }) => {
      let request: LogicalReplicationRequest;
      try {
        request = parseLogicalReplicationRequest(await readJson(req));
      } catch (e) {
        return { code: 400, body: { error: (e as Error).message } };
      }
      return { code: 200, body: await manager.logicalReplication(request) };
    },
    refreshCatalog: async () => {
      await manager.refreshCatalog();
      return { code: 200, body: (await manager.status()).catalog ?? {} };
    },
    snapshotBackupStart: async ({ req }) => {
      const r = snapshotRequest(await readJson(req).catch(() => ({})), 'immediateCheckpoint');
      if ('error' in r) return { code: 400, body: r };
      return { code: 200, body: await manager.snapshotBackup.start({ backupName: r.backupName, immediateCheckpoint: r.flag }) };
    },
    snapshotBackupStop: async ({ req }) => {
      const r = snapshotRequest(await readJson(req).catch(() => ({})), 'waitForArchive');
      if ('error' in r) return { code: 400, body: r };
      return { code: 200, body: await manager.snapshotBackup.stop({ backupName: r.backupName, waitForArchive: r.flag }) };
    },
    snapshotBackupAbort: async ({ req }) => {
      const r = snapshotRequest(await readJson(req).catch(() => ({})));
      if ('error' in r) return { code: 400, body: r };
      await manager.snapshotBackup.abort(r.backupName);
      return { code: 200, body: {} };
    },
    controlData: async () => ({ code: 200, body: { output: await manager.controlData() } }),
    observeDatabase: async ({ req }) => {
      const parsed = observeRequestSchema.safeParse(await readJson(req).catch(() => undefined));
      if (!parsed.success) return { code: 400, body: { error: `the body must be {"database": name, "extensions": [names], "schemas": [names]}: ${parsed.error.message}` } };
      return { code: 200, body: await manager.observeDatabase(parsed.data) };
    },
    applyDatabase: async ({ req }) => {
      const parsed = applyRequestSchema.safeParse(await readJson(req).catch(() => undefined));
      if (!parsed.success) return { code: 400, body: { error: `the body must be {"actions": [...]} of known database actions: ${parsed.error.message}` } };
      return { code: 200, body: { results: await manager.applyDatabase(parsed.data.actions) } };
    },
    shutdown: () => {
      // Answered before stopping: the caller learns the request arrived.
      setImmediate(onShutdown);
      return Promise.resolve({ code: 202, body: { stopping: true } });
    },
  };
}

export function startStatusServer(manager: InstanceManager, port: number, onShutdown: () => void, host = '127.0.0.1'): Promise<Server> {
  const streams = new Set<ServerResponse>();
  const routes = handlers(manager, streams, onShutdown);
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 30_000 }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://manager');
      const match = matchRoute(req.method, url.pathname);
      try {
        if (!match) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
        if (ROUTES[match.name].token && !authorized(req, manager.token)) return send(res, 401, { error: 'missing or wrong bearer token' });
        const handle = routes[match.name] as (c: Call) => Promise<{ code: number; body: unknown } | undefined>;
        const reply = await handle({ params: match.params, query: url.searchParams, req, res });
        if (reply) send(res, reply.code, reply.body);
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
