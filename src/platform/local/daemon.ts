// The local control plane: the store, the operator's controllers (src/operator/operator-manager.ts)
// fed with the store's changes, and the HTTP API the CLI talks to. Instances and endpoints are
// separate processes and outlive it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolveKind, type Cluster } from '../../api/index.js';
import { isAlive } from '../../instance/postmaster.js';
import { writeFileAtomicallySync } from '../../objectstore/atomic-file.js';
import { DashboardServer } from '../../dashboard/server.js';
import { collectOrphans } from '../../operator/backup-controller.js';
import { OperatorManager, type ControlledKind } from '../../operator/operator-manager.js';
import type { Platform } from '../../operator/platform.js';
import { LocalPodAddresses } from './pod-addresses.js';
import { findInstallations } from '../../postgres/binaries.js';
import { authorized, startApiServer } from './api-server.js';
import { LocalDashboardSource } from './dashboard-source.js';
import { LocalEndpoints } from './endpoints.js';
import { StoreEvents } from './events.js';
import { openHome, type CnpgHome } from './home.js';
import { LocalInstances } from './instances.js';
import { chooseForwarding, type ForwardingChoice } from './kernel-forwarding.js';
import { LoopDelayMonitor } from './loop-delay.js';
import { LocalPoolers } from './poolers.js';
import { localDrills } from './restore-drill.js';
import { FileStore } from './store.js';

export interface DaemonState {
  pid: number;
  port: number;
  token: string;
}

/** Instance managers report only when asked: a settled Cluster is looked at again this often. */
const RESYNC_MS = 5000;
/** How often objects whose owner is gone are looked for (Kubernetes' garbage collector, locally). */
const COLLECT_ORPHANS_MS = 5000;

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
  readonly poolers: LocalPoolers;
  readonly events: StoreEvents;
  readonly operator: OperatorManager;
  readonly platform: Platform;
  readonly loopDelay: LoopDelayMonitor;
  readonly dashboard: DashboardServer;
  private server?: Server;
  private collector?: NodeJS.Timeout;
  private readonly token = randomBytes(24).toString('hex');

  private constructor(
    readonly home: CnpgHome,
    readonly log: Logger,
    forwarding: ForwardingChoice,
  ) {
    this.loopDelay = new LoopDelayMonitor((delay) => log('event loop delayed', { ...delay }));
    this.store = new FileStore(home.store);
    this.instances = new LocalInstances(home, (ns, name) => this.enqueue(ns, name));
    this.poolers = new LocalPoolers(home, this.instances);
    this.endpoints = new LocalEndpoints(this.instances, forwarding);
    this.events = new StoreEvents(this.store);
    this.platform = { store: this.store, instances: this.instances, endpoints: this.endpoints, events: this.events, poolers: this.poolers, podAddresses: new LocalPodAddresses(this.store, this.instances), drills: localDrills(home, this.instances), snapshots: this.instances.snapshots };
    this.operator = new OperatorManager(this.platform, { log, resyncMs: RESYNC_MS });
    // The daemon listens on 127.0.0.1 only: a browser reaches it by that name or localhost's.
    this.dashboard = new DashboardServer(new LocalDashboardSource(this), { authorized: (req) => authorized(req, this.token), hosts: ['127.0.0.1', 'localhost'] });
  }

  static async start(log: Logger, homeDir?: string): Promise<LocalDaemon> {
    const home = openHome(homeDir);
    const running = readDaemonState(home);
    if (running && running.pid !== process.pid) throw new Error(`an operator is already running for ${home.root} (pid ${running.pid}); stop it with: cnpg operator stop`);
    // Only now: opening the kernel path replaces this home's table, which a running daemon would be using.
    const daemon = new LocalDaemon(home, log, await chooseForwarding(home.root));
    await daemon.reportSetAside();
    // Finding the installed PostgreSQL runs `postgres --version` synchronously; once, before serving.
    findInstallations();
    daemon.server = await startApiServer(daemon, daemon.token);
    const address = daemon.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // Whole or absent: a CLI reading it at this moment must not find half a token.
    writeFileAtomicallySync(home.daemonState, JSON.stringify({ pid: process.pid, port, token: daemon.token } satisfies DaemonState) + '\n', { mode: 0o600 });
    writeFileAtomicallySync(home.operatorEndpoint, JSON.stringify({ port }) + '\n', { mode: 0o644 });
    daemon.store.on('change', (ev) => daemon.operator.objectChanged(ev.object));
    await daemon.operator.enqueueAll();
    daemon.collectOrphans();
    daemon.collector = setInterval(() => daemon.collectOrphans(), COLLECT_ORPHANS_MS);
    log('operator started', { home: home.root, port, pid: process.pid, endpoints: daemon.endpoints.path });
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

  get endpointPath(): string {
    return this.endpoints.path;
  }

  enqueue(namespace: string, name: string, delayMs = 0, kind: ControlledKind = 'Cluster'): void {
    this.operator.enqueue(kind, namespace, name, delayMs);
  }

  private collectOrphans(): void {
    void collectOrphans(this.platform, ['Backup']).then(
      (deleted) => deleted.length > 0 && this.log('garbage-collected objects whose owner is gone', { deleted }),
      (e: unknown) => this.log('garbage collection failed', { error: (e as Error).message }),
    );
    const lookup = async (kind: string, ns: string, name: string) => (await this.store.get(kind, ns, name))?.metadata;
    void this.instances.snapshots.collect(lookup).then(
      (deleted) => deleted.length > 0 && this.log('deleted volume snapshots with their owner (snapshotOwnerReference)', { deleted }),
      (e: unknown) => this.log('snapshot collection failed', { error: (e as Error).message }),
    );
  }

  cluster(namespace: string, name: string): Cluster | undefined {
    return this.store.getSync('Cluster', namespace, name) as Cluster | undefined;
  }

  async stop(): Promise<void> {
    if (this.collector) clearInterval(this.collector);
    this.loopDelay.stop();
    // Open live streams would keep the API server from closing.
    this.dashboard.close();
    await this.operator.stop();
    await this.store.flush();
    this.instances.close();
    await this.endpoints.close().catch((e: unknown) => this.log('could not remove the endpoints\' nftables table', { error: (e as Error).message }));
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
