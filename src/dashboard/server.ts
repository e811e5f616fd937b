// The dashboard's HTTP side, mounted under /dashboard by whoever serves it (the local control
// plane's API server, the Kubernetes operator's dashboard Service). It reads without a token and
// shows nothing secret (no passwords, tokens or connection strings); the one change it offers, a
// switchover, needs the control plane's token where the server mounting it has one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asset } from './assets.js';
import { LiveClusters, type LiveOptions } from './live-clusters.js';
import type { DashboardSource } from './source.js';
import { sseWatcher } from './stream.js';
import { askSwitchover } from './switchover.js';
import { clusterView } from './view-model.js';
import type { ClusterSummary } from './view.js';

export const DASHBOARD_PATH = '/dashboard';

const DEFAULTS: LiveOptions & { maxStreams: number } = { sampleMs: 2000, historySeconds: 600, maxStreams: 100 };

export interface DashboardOptions extends Partial<typeof DEFAULTS> {
  /** Whether the request carries the control plane's token; without it the dashboard only reads. */
  authorized?: (req: IncomingMessage) => boolean;
  /** Only requests naming one of these hosts (Host header, port aside) are answered: a page of another site that rebinds its own name to our address gets nothing. Absent: any host. */
  hosts?: string[];
}

const hostName = (host: string | undefined): string => (host ?? '').replace(/:\d+$/, '').toLowerCase();

/** A switchover request is a name or two. */
const MAX_BODY_BYTES = 4096;

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > MAX_BODY_BYTES) throw new BodyError(`the request body is over ${MAX_BODY_BYTES} bytes`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('the request body is not JSON');
  }
}

class BodyError extends Error {}

/** Names as Kubernetes allows them (RFC 1123 labels and subdomains): anything else is no Cluster. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const SECURITY_HEADERS = {
  // The page's own files only: no inline script, nothing from elsewhere, not framed by other sites.
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const json = (res: ServerResponse, status: number, payload: unknown) => send(res, status, 'application/json', JSON.stringify(payload), { 'cache-control': 'no-store' });

export class DashboardServer {
  private readonly live: LiveClusters;
  private streams = 0;
  private readonly maxStreams: number;
  private readonly authorized: (req: IncomingMessage) => boolean;
  private readonly hosts?: Set<string>;

  constructor(
    private readonly source: DashboardSource,
    options: DashboardOptions = {},
  ) {
    const o = { ...DEFAULTS, ...options };
    this.live = new LiveClusters(source, o);
    this.maxStreams = o.maxStreams;
    this.authorized = o.authorized ?? (() => false);
    if (o.hosts) this.hosts = new Set(o.hosts);
  }

  /** True when the request was the dashboard's (answered here); false leaves it to the caller's routes. */
  handles(req: IncomingMessage): boolean {
    const path = (req.url ?? '/').split('?')[0]!;
    return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (e) {
      if (!res.headersSent) json(res, e instanceof BodyError ? 400 : 500, { error: (e as Error).message });
      else res.end();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.slice(DASHBOARD_PATH.length);
    if (this.hosts && !this.hosts.has(hostName(req.headers.host))) return json(res, 403, { error: `the dashboard answers only for ${[...this.hosts].join(', ')}` });
    if (req.method === 'POST') return this.change(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `${req.method} is not allowed` });
    // Relative links in the page resolve against the folder.
    if (path === '') return send(res, 308, 'text/plain', '', { location: `${DASHBOARD_PATH}/` });
    if (path === '/') return this.asset(res, 'index.html');
    if (path.startsWith('/assets/')) return this.asset(res, path.slice('/assets/'.length));
    if (path === '/api/clusters') return json(res, 200, await this.clusters());
    if (path === '/api/session') return json(res, 200, { readOnly: !this.source.annotateCluster || !this.authorized(req) });
    const m = /^\/api\/clusters\/([^/]+)\/([^/]+)(\/stream)?$/.exec(path);
    if (m) {
      const [namespace, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      if (!NAME.test(namespace) || !NAME.test(name)) return json(res, 404, { error: `no cluster ${namespace}/${name}` });
      return m[3] ? this.stream(req, res, namespace, name) : this.view(res, namespace, name);
    }
    json(res, 404, { error: `no dashboard route ${path}` });
  }

  private async change(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const m = /^\/api\/clusters\/([^/]+)\/([^/]+)\/switchover$/.exec(path);
    if (!m) return json(res, 405, { error: 'the dashboard changes nothing but a switchover (POST api/clusters/NAMESPACE/NAME/switchover)' });
    const annotate = this.source.annotateCluster?.bind(this.source);
    if (!this.authorized(req) || !annotate) return json(res, 401, { error: 'the dashboard is read-only without the control plane\'s token (Authorization: Bearer TOKEN)' });
    const [namespace, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    if (!NAME.test(namespace) || !NAME.test(name)) return json(res, 404, { error: `no cluster ${namespace}/${name}` });
    const outcome = await askSwitchover(this.source, annotate, namespace, name, await jsonBody(req));
    json(res, outcome.status, 'error' in outcome ? { error: outcome.error } : { message: outcome.message });
  }

  private async asset(res: ServerResponse, name: string): Promise<void> {
    const found = await asset(name);
    if (!found) return json(res, 404, { error: `no dashboard file ${name}` });
    send(res, 200, found.type, found.body, { 'cache-control': 'no-cache' });
  }

  private async clusters(): Promise<ClusterSummary[]> {
    return (await this.source.listClusters())
      .map((c) => ({ namespace: c.metadata.namespace ?? 'default', name: c.metadata.name, phase: c.status?.phase, instances: c.spec.instances, readyInstances: c.status?.readyInstances ?? 0, currentPrimary: c.status?.currentPrimary }))
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }

  private async view(res: ServerResponse, namespace: string, name: string): Promise<void> {
    const snapshot = await this.source.snapshot(namespace, name);
    if (!snapshot) return json(res, 404, { error: `no cluster ${namespace}/${name}` });
    json(res, 200, clusterView(snapshot));
  }

  private async stream(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): Promise<void> {
    if (this.streams >= this.maxStreams) return json(res, 503, { error: `${this.maxStreams} live dashboards are open already; close one` });
    this.streams++;
    const watcher = sseWatcher(res);
    let closed = false;
    req.on('close', () => {
      closed = true;
      this.streams--;
      this.live.unwatch(namespace, name, watcher);
    });
    if (!(await this.live.watch(namespace, name, watcher))) return watcher.gone();
    // The page went away while its first reading was taken.
    if (closed) this.live.unwatch(namespace, name, watcher);
  }

  close(): void {
    this.live.close();
  }
}
