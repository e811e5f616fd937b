// The local control plane: the store, one controller per Cluster driven by a work queue, and the
// HTTP API the CLI talks to. Instances and endpoints are separate processes and outlive it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Cluster } from '../../api/index.js';
import { isAlive } from '../../instance/postmaster.js';
import { ClusterController } from '../../operator/controller.js';
import { startApiServer } from './api-server.js';
import { LocalEndpoints } from './endpoints.js';
import { StoreEvents } from './events.js';
import { openHome, type CnpgHome } from './home.js';
import { LocalInstances } from './instances.js';
import { FileStore } from './store.js';
import { WorkQueue } from './workqueue.js';

export interface DaemonState {
  pid: number;
  port: number;
  token: string;
}

const RESYNC_MS = 5000;
const SLOW_RECONCILE_MS = 250;

export function readDaemonState(home: CnpgHome): DaemonState | undefined {
  if (!existsSync(home.daemonState)) return undefined;
  try {
    const state = JSON.parse(readFileSync(home.daemonState, 'utf8')) as DaemonState;
    return isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export class LocalDaemon {
  readonly store: FileStore;
  readonly instances: LocalInstances;
  readonly endpoints: LocalEndpoints;
  readonly events: StoreEvents;
  readonly queue: WorkQueue;
  private server?: Server;
  private resync?: NodeJS.Timeout;
  private readonly token = randomBytes(24).toString('hex');

  private constructor(
    readonly home: CnpgHome,
    readonly log: Logger,
  ) {
    this.store = new FileStore(home.store);
    this.instances = new LocalInstances(home, (ns, name) => this.enqueue(ns, name));
    this.endpoints = new LocalEndpoints(this.instances);
    this.events = new StoreEvents(this.store);
    const controller = new ClusterController({ store: this.store, instances: this.instances, endpoints: this.endpoints, events: this.events });
    this.queue = new WorkQueue(
      async (key) => {
        const [ns, name] = key.split('/') as [string, string];
        const started = performance.now();
        const result = await controller.reconcile(ns, name);
        const ms = Math.round(performance.now() - started);
        if (ms > SLOW_RECONCILE_MS) log('slow reconcile', { cluster: key, ms });
        return result;
      },
      (key, e) => log('reconcile failed', { cluster: key, error: (e as Error).message }),
    );
  }

  static async start(log: Logger, homeDir?: string): Promise<LocalDaemon> {
    const home = openHome(homeDir);
    const running = readDaemonState(home);
    if (running && running.pid !== process.pid) throw new Error(`an operator is already running for ${home.root} (pid ${running.pid}); stop it with: cnpg operator stop`);
    const daemon = new LocalDaemon(home, log);
    daemon.server = await startApiServer(daemon, daemon.token);
    const address = daemon.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    writeFileSync(home.daemonState, JSON.stringify({ pid: process.pid, port, token: daemon.token } satisfies DaemonState) + '\n', { mode: 0o600 });
    writeFileSync(home.operatorEndpoint, JSON.stringify({ port }) + '\n', { mode: 0o644 });
    daemon.store.on('change', (ev) => {
      const ns = ev.object.metadata.namespace ?? 'default';
      if (ev.object.kind === 'Cluster') daemon.enqueue(ns, ev.object.metadata.name);
      if (ev.object.kind === 'Secret') for (const c of daemon.store.listSync('Cluster', ns)) daemon.enqueue(ns, c.metadata.name);
    });
    daemon.resyncAll();
    daemon.resync = setInterval(() => daemon.resyncAll(), RESYNC_MS);
    log('operator started', { home: home.root, port, pid: process.pid });
    return daemon;
  }

  enqueue(namespace: string, name: string, delayMs = 0): void {
    this.queue.add(`${namespace}/${name}`, delayMs);
  }

  private resyncAll(): void {
    for (const c of this.store.listSync('Cluster')) this.enqueue(c.metadata.namespace ?? 'default', c.metadata.name);
  }

  cluster(namespace: string, name: string): Cluster | undefined {
    return this.store.getSync('Cluster', namespace, name) as Cluster | undefined;
  }

  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await this.queue.stop();
    this.instances.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    const state = readDaemonState(this.home);
    if (state?.pid === process.pid) {
      rmSync(this.home.daemonState, { force: true });
      rmSync(this.home.operatorEndpoint, { force: true });
    }
    this.log('operator stopped; instances keep running');
  }
}
