// The labels of the Nodes a Cluster's Pods run on: what syncReplicaElectionConstraint and
// synchronous.nodeFailureDomainKeys compare.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Cluster } from '../../api/index.js';
import type { ResourceStore } from '../../operator/platform.js';

/**
 * Read only while one of them is in use: otherwise nothing compares them, and every reconcile
 * would cost a read per node. A Node that is gone or unreadable is left out (the operator then
 * sets the constraint aside, as CloudNativePG does when a node is missing).
 */
export async function nodeLabelsOf(store: ResourceStore, cluster: Cluster, pods: readonly V1Pod[]): Promise<Map<string, Record<string, string>>> {
  const found = new Map<string, Record<string, string>>();
  if (!cluster.spec.postgresql?.syncReplicaElectionConstraint?.enabled && !cluster.spec.postgresql?.synchronous?.nodeFailureDomainKeys?.length) return found;
  const nodes = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => Boolean(n)))];
  await Promise.all(
    nodes.map(async (name) => {
      const node = (await store.get('Node', undefined, name).catch(() => undefined)) as V1Node | undefined;
      if (node) found.set(name, node.metadata?.labels ?? {});
    }),
  );
  return found;
}
