// spec.walStorage and spec.tablespaces as the instances get them: which volumes exist, who owns
// each tablespace, and the temp_tablespaces setting that the temporary ones make.
import type { Cluster } from '../api/index.js';
import type { StorageConfig } from '../instance/storage-layout.js';

/** Left out when the Cluster has neither, so the configuration hash of other Clusters stays what it was. */
export function storageConfig(cluster: Cluster, applicationOwner: string): { storage?: StorageConfig } {
  const tablespaces = cluster.spec.tablespaces ?? [];
  if (!cluster.spec.walStorage && tablespaces.length === 0) return {};
  return {
    storage: {
      wal: cluster.spec.walStorage !== undefined,
      // As CloudNativePG: an owner left out is the application database's owner.
      tablespaces: tablespaces.map((t) => ({ name: t.name, owner: t.owner?.name || applicationOwner || 'postgres', temporary: t.temporary })),
    },
  };
}

/**
 * temp_tablespaces lists the temporary tablespaces, sorted; a name PostgreSQL would fold to lower
 * case is double-quoted (names are validated identifiers, so nothing else needs escaping).
 */
export function temporaryTablespaces(cluster: Cluster): Record<string, string> {
  const names = (cluster.spec.tablespaces ?? []).filter((t) => t.temporary).map((t) => t.name).sort();
  if (names.length === 0) return {};
  return { temp_tablespaces: names.map((n) => (/^[a-z_][a-z0-9_$]*$/.test(n) ? n : `"${n}"`)).join(',') };
}
