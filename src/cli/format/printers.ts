// `get` tables: one table per kind (in order of first appearance), names qualified as
// "kind/name" when several kinds are printed together, a NAMESPACE column with -A.

import { DEFAULT_NAMESPACE, type KubeObject } from '../../api/meta.js';
import { columnsFor } from './columns.js';
import { qualifiedName, resourceTypeName } from './resource-names.js';
import { alignTableLines, tableLines } from './table.js';

export interface PrintTableOptions {
  wide?: boolean;
  noHeaders?: boolean;
  /** kubectl -A: a leading NAMESPACE column. */
  showNamespace?: boolean;
  /** kubectl --show-kind: qualify names even when only one kind is printed. */
  withKind?: boolean;
  now: Date;
}

/** What kubectl prints on stderr when nothing matched. */
export function noResourcesMessage(namespace?: string): string {
  return namespace === undefined || namespace === '' ? 'No resources found' : `No resources found in ${namespace} namespace.`;
}

/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterImageCatalog', 'PersistentVolume', 'StorageClass']);

function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? DEFAULT_NAMESPACE;
}

function groupByType(objects: KubeObject[]): KubeObject[][] {
  const groups = new Map<string, KubeObject[]>();
  for (const obj of objects) {
    const key = resourceTypeName(obj);
    const group = groups.get(key);
    if (group) group.push(obj);
    else groups.set(key, [obj]);
  }
  return [...groups.values()];
}

/** The table `get` prints for these objects; "" when there are none. */
export function printTable(objects: KubeObject[], opts: PrintTableOptions): string {
  if (objects.length === 0) return '';
  const groups = groupByType(objects);
  const qualify = opts.withKind === true || groups.length > 1;
  const perGroup = groups.map((group) => {
    const first = group[0] as KubeObject;
    const columns = columnsFor(first, opts.wide === true);
    // kubectl -A prints no NAMESPACE column for cluster-scoped kinds.
    const showNamespace = opts.showNamespace === true && !CLUSTER_SCOPED.has(first.kind);
    const headers = showNamespace ? ['NAMESPACE', ...columns.headers] : columns.headers;
    const rows = group.map((obj) => {
      const name = qualify ? qualifiedName(obj) : obj.metadata.name;
      const cells = columns.nameless ? columns.cells(obj, opts.now) : [name, ...columns.cells(obj, opts.now)];
      return showNamespace ? [namespaceOf(obj), ...cells] : cells;
    });
    return tableLines(headers, rows, { noHeaders: opts.noHeaders === true });
  });
  if (opts.noHeaders) return alignTableLines(perGroup.flat());
  return perGroup.map(alignTableLines).join('\n');
}
