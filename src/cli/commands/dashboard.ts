// `cnpg dashboard [CLUSTER]`: where the local control plane serves the live dashboard.
import { readDaemonState } from '../../platform/local/daemon.js';
import { CliError, type DaemonClient } from '../client.js';

export async function dashboardUrl(client: DaemonClient, cluster: string | undefined, namespace = 'default'): Promise<string> {
  // A Cluster that does not exist is an error here, not an empty page later.
  if (cluster) await client.get('Cluster', namespace, cluster);
  const state = readDaemonState(client.home);
  if (!state) throw new CliError(`the operator for ${client.home.root} stopped; start it again with: cnpg operator status`);
  const fragment = cluster ? `#${encodeURIComponent(namespace)}/${encodeURIComponent(cluster)}` : '';
  return `http://127.0.0.1:${state.port}/dashboard/${fragment}`;
}
