// The logical verbs' platform locally: the cluster's objects from the daemon, the primary through
// its operating-system user and private socket (as `cnpg psql` reaches it).
import type { Cluster } from '../../api/index.js';
import type { DaemonClient } from '../client.js';
import { instanceProcess, psqlTarget } from './exec.js';
import { secretData, type LogicalPlatform, type PrimaryShell } from './logical.js';
import { runCaptured } from './run-captured.js';

export function localLogicalPlatform(client: DaemonClient, namespace = 'default'): LogicalPlatform {
  return {
    cluster: async (name) => (await client.get('Cluster', namespace, name)) as unknown as Cluster,
    secret: async (name) => secretData((await client.tryGet('Secret', namespace, name)) as { data?: Record<string, string> } | undefined),
    primary: async (cluster): Promise<PrimaryShell> => {
      const { access, options } = await instanceProcess(client, namespace, psqlTarget(cluster, false));
      return { root: access.root, run: (argv, stdin) => runCaptured(argv[0] ?? '', argv.slice(1), options, stdin) };
    },
  };
}
