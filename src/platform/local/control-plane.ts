// What the local API server needs of the daemon that runs it. The daemon satisfies it; the API
// server depends on this and never on the daemon, which starts it.
import type { Cluster } from '../../api/index.js';
import type { DashboardServer } from '../../dashboard/server.js';
import type { StoreEvents } from './events.js';
import type { LocalEndpoints } from './endpoints.js';
import type { CnpgHome } from './home.js';
import type { LocalInstances } from './instances.js';
import type { LoopDelayMonitor } from './loop-delay.js';
import type { LocalPoolers } from './poolers.js';
import type { FileStore } from './store.js';

export interface ControlPlane {
  readonly home: CnpgHome;
  readonly store: FileStore;
  readonly instances: LocalInstances;
  readonly poolers: LocalPoolers;
  readonly endpoints: LocalEndpoints;
  readonly events: StoreEvents;
  readonly loopDelay: LoopDelayMonitor;
  /** The live dashboard, served under /dashboard: it reads without the token and checks the token itself for its one change (a switchover). */
  readonly dashboard: DashboardServer;
  /** What carries the endpoints' connections: kernel forwarding or the proxy alone. */
  readonly endpointPath: string;
  /** The stored Cluster, if any. */
  cluster(namespace: string, name: string): Cluster | undefined;
  /** Asks the Cluster controller to reconcile this Cluster soon. */
  enqueue(namespace: string, name: string): void;
  /** Stops the control plane (its API server included). */
  stop(): Promise<void>;
}
