// A TCP endpoint standing in for a Kubernetes Service: it forwards each client connection to one
// of the current backends, re-reads its routes when the daemon rewrites them, and cuts connections
// to backends that left the set (so clients of a demoted primary reconnect to the new one).
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Backend {
  name: string;
  host: string;
  port: number;
}

export interface Routes {
  listeners: Record<string, { host: string; port: number }>;
  backends: Record<string, Backend[]>;
}

/** How long a new client waits for a backend to appear before it is turned away. */
const HOLD_MS = 3000;

const sameBackend = (a: Backend, b: Backend) => a.host === b.host && a.port === b.port;

export class EndpointProxy {
  private routes: Routes;
  /** Listening servers by listener key, with the port each listens on. */
  private readonly servers = new Map<string, { server: Server; port: number }>();
  private listening: Promise<void> = Promise.resolve();
  private readonly live = new Map<string, Set<{ client: Socket; upstream: Socket; backend: Backend }>>();
  private readonly next = new Map<string, number>();
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;

  constructor(private readonly routesFile: string) {
    this.routes = this.read();
  }

  private read(): Routes {
    return JSON.parse(readFileSync(this.routesFile, 'utf8')) as Routes;
  }

  async start(): Promise<void> {
    await this.syncListeners(true);
    this.watcher = watch(dirname(this.routesFile), (_event, file) => {
      if (file === basename(this.routesFile)) this.reload();
    });
    this.poll = setInterval(() => this.reload(), 1000);
  }

  /**
   * Listens on every listener of the routes and on nothing else: a service added to the Cluster
   * (an additional one of spec.managed.services) opens its port, one taken away closes it.
   * `strict`: at start a port that cannot be had is fatal; later it is tried again at the next reload.
   */
  private syncListeners(strict = false): Promise<void> {
    const step = async () => {
      const wanted = this.routes.listeners;
      for (const [key, { server, port }] of this.servers) {
        if (wanted[key]?.port === port) continue;
        server.close();
        this.servers.delete(key);
        for (const c of this.live.get(key) ?? []) c.client.destroy();
        this.live.delete(key);
      }
      for (const [key, addr] of Object.entries(wanted)) {
        if (this.servers.has(key)) continue;
        this.live.set(key, new Set());
        const server = createServer((client) => void this.accept(key, client));
        try {
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(addr.port, addr.host, () => resolve());
          });
          this.servers.set(key, { server, port: addr.port });
        } catch (e) {
          this.live.delete(key);
          if (strict) throw e;
        }
      }
    };
    this.listening = this.listening.then(step, step);
    return this.listening;
  }

  private reload(): void {
    let routes: Routes;
    try {
      routes = this.read();
    } catch {
      return; // mid-rename or removed; the next event or poll retries
    }
    this.routes = routes;
    void this.syncListeners().catch(() => undefined);
    for (const [role, conns] of this.live) {
      const allowed = routes.backends[role] ?? [];
      for (const conn of conns) {
        if (!allowed.some((b) => sameBackend(b, conn.backend))) {
          conn.client.destroy();
          conn.upstream.destroy();
        }
      }
    }
  }

  private pick(role: string, skip: Set<string>): Backend | undefined {
    const candidates = (this.routes.backends[role] ?? []).filter((b) => !skip.has(`${b.host}:${b.port}`));
    if (candidates.length === 0) return undefined;
    const i = (this.next.get(role) ?? 0) % candidates.length;
    this.next.set(role, i + 1);
    return candidates[i];
  }

  private async accept(role: string, client: Socket): Promise<void> {
    client.pause();
    // Both sides without Nagle: PostgreSQL's small request/response messages would otherwise wait.
    client.setNoDelay(true);
    client.on('error', () => client.destroy());
    const tried = new Set<string>();
    const deadline = Date.now() + HOLD_MS;
    while (!client.destroyed) {
      const backend = this.pick(role, tried);
      if (!backend) {
        if (Date.now() > deadline) return void client.destroy();
        tried.clear();
        await sleep(50);
        this.reload();
        continue;
      }
      const upstream = await this.connect(backend);
      if (!upstream) {
        tried.add(`${backend.host}:${backend.port}`);
        continue;
      }
      const conn = { client, upstream, backend };
      const conns = this.live.get(role);
      conns?.add(conn);
      const close = () => {
        conns?.delete(conn);
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', close).on('close', close);
      client.on('close', close);
      client.pipe(upstream).pipe(client);
      client.resume();
      return;
    }
  }

  private connect(b: Backend): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const s = createConnection({ host: b.host, port: b.port });
      s.setNoDelay(true);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
  }

  close(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    for (const { server } of this.servers.values()) server.close();
    for (const conns of this.live.values()) for (const c of conns) c.client.destroy();
  }
}
