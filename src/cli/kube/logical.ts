// The logical verbs' platform on Kubernetes: objects from the API server, the primary through
// `kubectl exec` into its postgres container (as `kubectl cnpg psql` reaches it).
import type { Cluster } from '../../api/index.js';
import { PGDATA_MOUNT } from '../../platform/kubernetes/specs.js';
import { psqlTarget } from '../commands/exec.js';
import { secretData, type LogicalPlatform } from '../commands/logical.js';
import { runCaptured } from '../commands/run-captured.js';
import { kubectlFlags } from './commands.js';
import type { KubeConnection, KubeOptions } from './connection.js';

export function kubeLogicalPlatform(conn: KubeConnection, o: KubeOptions): LogicalPlatform {
  return {
    cluster: async (name) => (await conn.getCluster(name)) as unknown as Cluster,
    secret: async (name) => secretData((await conn.readSecret(name)) as { data?: Record<string, string> } | undefined),
    primary: async (cluster) => {
      const pod = psqlTarget(cluster, false);
      const kubectl = process.env.KUBECTL ?? 'kubectl';
      // The instance manager's folder in the Pod (CNPG_INSTANCE_ROOT), where its own external connections live too.
      return { root: PGDATA_MOUNT, run: (argv, stdin) => runCaptured(kubectl, [...kubectlFlags(conn, o), 'exec', '-i', pod, '-c', 'postgres', '--', ...argv], {}, stdin) };
    },
  };
}
