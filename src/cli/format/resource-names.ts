// How kubectl names a resource type in `-o name`, mixed-kind tables and messages:
// "pod", "service", "cluster.postgresql.cnpg.io" (lowercased kind, plus the API group if any).

import type { KubeObject } from '../../api/meta.js';

export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function resourceTypeName(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const group = apiGroupOf(obj.apiVersion);
  const kind = obj.kind.toLowerCase();
  return group === '' ? kind : `${kind}.${group}`;
}

/** "pod/lab-postgres-1", "cluster.postgresql.cnpg.io/lab-postgres". */
export function qualifiedName(obj: KubeObject): string {
  return `${resourceTypeName(obj)}/${obj.metadata.name}`;
}
