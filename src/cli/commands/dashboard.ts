// `cnpg dashboard [CLUSTER]`: where the local control plane serves the live dashboard.
import { readDaemonState } from '../../platform/local/daemon.js';
import { CliError, type DaemonClient } from '../client.js';

/**
 * With `withToken`, the control plane's token rides in the fragment, which the browser keeps to
 * itself: the page takes it (for its tab only) and the viewer may ask for a switchover.
 */
export async function dashboardUrl(client: DaemonClient, cluster: string | undefined, namespace = 'default', withToken = false): Promise<string> {
  // A Cluster that does not exist is an error here, not an empty page later.
  if (cluster) await client.get('Cluster', namespace, cluster);
  const state = readDaemonState(client.home);
  if (!state) throw new CliError(`the operator for ${client.home.root} stopped; start it again with: cnpg operator status`);
  const key = cluster ? `${encodeURIComponent(namespace)}/${encodeURIComponent(cluster)}` : '';
  const fragment = withToken ? `#${key}&token=${state.token}` : key ? `#${key}` : '';
  return `http://127.0.0.1:${state.port}/dashboard/${fragment}`;
}
