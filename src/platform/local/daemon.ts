// The local control plane: the store, one controller per Cluster driven by a work queue, and the
// HTTP API the CLI talks to. Instances and endpoints are separate processes and outlive it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolveKind, type Cluster } from '../../api/index.js';
import { isAlive } from '../../instance/postmaster.js';
import { writeFileAtomicallySync } from '../../objectstore/atomic-file.js';
import { BackupController, collectOrphans, ScheduledBackupController } from '../../operator/backup-controller.js';
import { ClusterController } from '../../operator/controller.js';
import type { Platform } from '../../operator/platform.js';
import { findInstallations } from '../../postgres/binaries.js';
import { startApiServer } from './api-server.js';
import { LocalEndpoints } from './endpoints.js';
import { StoreEvents } from './events.js';
import { openHome, type CnpgHome } from './home.js';
import { LocalInstances } from './instances.js';
import { LoopDelayMonitor } from './loop-delay.js';
import { FileStore } from './store.js';
import { WorkQueue } from '../../operator/workqueue.js';

export interface DaemonState {
  pid: number;
  port: number;
  token: string;
}

const RESYNC_MS = 5000;

const CONTROLLED_KINDS = ['Cluster', 'Backup', 'ScheduledBackup'] as const;
type ControlledKind = (typeof CONTROLLED_KINDS)[number];

function parseKey(key: string): { kind: ControlledKind; ns: string; name: string } {
  const [kind, rest = ''] = key.split(':', 2) as [ControlledKind, string];
  const [ns = 'default', name = ''] = rest.split('/');
  return { kind, ns, name };
}
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
  readonly platform: Platform;
  readonly loopDelay: LoopDelayMonitor;
  private server?: Server;
  private resync?: NodeJS.Timeout;
  private readonly token = randomBytes(24).toString('hex');

  private constructor(
    readonly home: CnpgHome,
    readonly log: Logger,
  ) {
    this.loopDelay = new LoopDelayMonitor((delay) => log('event loop delayed', { ...delay }));
    this.store = new FileStore(home.store);
    this.instances = new LocalInstances(home, (ns, name) => this.enqueue(ns, name));
    this.endpoints = new LocalEndpoints(this.instances);
    this.events = new StoreEvents(this.store);
    this.platform = {
      store: this.store,
      instances: this.instances,
      endpoints: this.endpoints,
      events: this.events,
      requeueCluster: (ns, name) => this.enqueue(ns, name),
    };
    const controllers = {
      Cluster: new ClusterController(this.platform),
      Backup: new BackupController(this.platform),
      ScheduledBackup: new ScheduledBackupController(this.platform),
    };
    this.queue = new WorkQueue(
      async (key) => {
        const { kind, ns, name } = parseKey(key);
        const started = performance.now();
        const result = await controllers[kind].reconcile(ns, name);
        const ms = Math.round(performance.now() - started);
        if (ms > SLOW_RECONCILE_MS) log('slow reconcile', { key, ms });
        return result;
      },
      (key, e) => log('reconcile failed', { key, error: (e as Error).message }),
    );
  }

  static async start(log: Logger, homeDir?: string): Promise<LocalDaemon> {
    const home = openHome(homeDir);
    const running = readDaemonState(home);
    if (running && running.pid !== process.pid) throw new Error(`an operator is already running for ${home.root} (pid ${running.pid}); stop it with: cnpg operator stop`);
    const daemon = new LocalDaemon(home, log);
    await daemon.reportSetAside();
    // Finding the installed PostgreSQL runs `postgres --version` synchronously; once, before serving.
    findInstallations();
    daemon.server = await startApiServer(daemon, daemon.token);
    const address = daemon.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // Whole or absent: a CLI reading it at this moment must not find half a token.
    writeFileAtomicallySync(home.daemonState, JSON.stringify({ pid: process.pid, port, token: daemon.token } satisfies DaemonState) + '\n', { mode: 0o600 });
    writeFileAtomicallySync(home.operatorEndpoint, JSON.stringify({ port }) + '\n', { mode: 0o644 });
    daemon.store.on('change', (ev) => {
      const ns = ev.object.metadata.namespace ?? 'default';
      if (ev.object.kind === 'Cluster') daemon.enqueue(ns, ev.object.metadata.name);
      if (ev.object.kind === 'Backup' || ev.object.kind === 'ScheduledBackup') daemon.enqueue(ns, ev.object.metadata.name, 0, ev.object.kind);
      if (ev.object.kind === 'Secret') for (const c of daemon.store.listSync('Cluster', ns)) daemon.enqueue(ns, c.metadata.name);
    });
    daemon.resyncAll();
    daemon.resync = setInterval(() => daemon.resyncAll(), RESYNC_MS);
    log('operator started', { home: home.root, port, pid: process.pid });
    return daemon;
  }

  /** Files the store could not read were moved aside; each is logged and recorded as an Event. */
  private async reportSetAside(): Promise<void> {
    for (const found of this.store.setAside) {
      this.log('stored object unreadable, moved aside', { file: found.file, movedTo: found.movedTo, reason: found.reason });
      const involved = { apiVersion: 'v1', kind: resolveKind(found.kindFolder)?.kind ?? found.kindFolder.charAt(0).toUpperCase() + found.kindFolder.slice(1), metadata: { name: found.name, namespace: found.namespace } };
      const where = found.movedTo ? `it was moved to ${found.movedTo}` : 'it was left where it is';
      const message = `the stored file ${found.file} could not be read (${found.reason}); ${where} and the object is not loaded`;
      await this.events.record(involved, 'Warning', 'StoredObjectUnreadable', message).catch((e: unknown) => this.log('could not record an Event', { error: (e as Error).message }));
    }
  }

  enqueue(namespace: string, name: string, delayMs = 0, kind: ControlledKind = 'Cluster'): void {
    this.queue.add(`${kind}:${namespace}/${name}`, delayMs);
  }

  private resyncAll(): void {
    for (const kind of CONTROLLED_KINDS) {
      for (const o of this.store.listSync(kind)) this.enqueue(o.metadata.namespace ?? 'default', o.metadata.name, 0, kind);
    }
    void collectOrphans(this.platform, ['Backup']).then(
      (deleted) => deleted.length > 0 && this.log('garbage-collected objects whose owner is gone', { deleted }),
      (e: unknown) => this.log('garbage collection failed', { error: (e as Error).message }),
    );
  }

  cluster(namespace: string, name: string): Cluster | undefined {
    return this.store.getSync('Cluster', namespace, name) as Cluster | undefined;
  }

  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    this.loopDelay.stop();
    await this.queue.stop();
    await this.store.flush();
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
