// The live dashboard on Kubernetes: off unless DASHBOARD_PORT is set (the Helm chart's
// dashboard.enabled), then served on that port for a Service in front of the operator.
import { createServer, type Server } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { DASHBOARD_PATH, DashboardServer } from '../../dashboard/server.js';
import { KubeDashboardSource } from './dashboard-source.js';
import { KubeInstances, type KubeInstancesOptions } from './instances.js';
import type { KubeStore } from './store.js';

export interface RunningDashboard {
  server: Server;
  /** The port it listens on (the one asked for, or the system's choice for 0). */
  port: number;
  close(): void;
}

/** DASHBOARD_PORT as given: a clear error for anything but a port number. */
export function dashboardPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`DASHBOARD_PORT: "${value}" is not a port number (0-65535; empty turns the dashboard off)`);
  return port;
}

export async function serveDashboard(kc: KubeConfig, store: KubeStore, instanceOptions: KubeInstancesOptions, watchNamespace: string, port: number, bind: string): Promise<RunningDashboard> {
  const namespaces = watchNamespace.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const dashboard = new DashboardServer(new KubeDashboardSource(kc, store, new KubeInstances(kc, store, instanceOptions), namespaces));
  const server = createServer((req, res) => {
    if (dashboard.handles(req)) return void dashboard.handle(req, res);
    if (req.url === '/') return void res.writeHead(302, { location: `${DASHBOARD_PATH}/` }).end();
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; the dashboard is at ${DASHBOARD_PATH}/\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, resolve);
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close() {
      dashboard.close();
      server.close();
      server.closeAllConnections();
    },
  };
}
