// Pure: custom-query documents are checked when written, not when scraped. A Cluster naming a
// document that does not parse is refused, and (locally, where the control plane sees every write)
// so is a ConfigMap or Secret whose new text would break a Cluster naming it. A document that does
// not exist yet is allowed: it may come in the same apply or later, and the Cluster says so meanwhile.
import type { Cluster } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import type { ValidationIssue } from '../api/errors.js';
import { parseMonitoringQueries } from '../api/monitoring-queries.js';
import { queriesReferences, type QueriesReference, type QueriesSourceKind } from './monitoring.js';

/** What a ConfigMap or Secret holds under each key, decoded. */
export function documentTexts(obj: KubeObject): Record<string, string> {
  const o = obj as { data?: Record<string, string>; stringData?: Record<string, string> };
  if (obj.kind === 'ConfigMap') return { ...(o.data ?? {}) };
  const decoded = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...decoded, ...(o.stringData ?? {}) };
}

function findingsOf(text: string): Array<{ where: string; message: string; allowed?: readonly string[] }> {
  return parseMonitoringQueries(text).findings.map((f) => ({ where: f.path, message: f.message, ...(f.allowed ? { allowed: f.allowed } : {}) }));
}

const describeRef = (ref: QueriesReference) => `${ref.kind} ${ref.name} key ${ref.key}`;

/** `lookup` finds the ConfigMap or Secret a reference names (in the same apply first, then stored). */
export function clusterQueriesIssues(cluster: Cluster, lookup: (kind: QueriesSourceKind, name: string) => KubeObject | undefined): ValidationIssue[] {
  return queriesReferences(cluster).flatMap((ref) => {
    const obj = lookup(ref.kind, ref.name);
    const text = obj ? documentTexts(obj)[ref.key] : undefined;
    if (text === undefined) return [];
    return findingsOf(text).map((f) => ({
      kind: 'Cluster',
      name: cluster.metadata.name,
      path: `${ref.path}.key`,
      message: `${describeRef(ref)}${f.where ? `: ${f.where}` : ''}: ${f.message}`,
      ...(f.allowed ? { allowed: f.allowed } : {}),
    }));
  });
}

/** A ConfigMap or Secret write, against the Clusters of its namespace that name one of its keys. */
export function documentWriteIssues(obj: KubeObject, clusters: Cluster[]): ValidationIssue[] {
  if (obj.kind !== 'ConfigMap' && obj.kind !== 'Secret') return [];
  const texts = documentTexts(obj);
  const refs = clusters.flatMap((c) => queriesReferences(c).filter((r) => r.kind === obj.kind && r.name === obj.metadata.name).map((r) => ({ cluster: c.metadata.name, ref: r })));
  const keys = [...new Set(refs.map((r) => r.ref.key))];
  return keys.flatMap((key) => {
    const text = texts[key];
    if (text === undefined) return [];
    const users = refs.filter((r) => r.ref.key === key).map((r) => `Cluster ${r.cluster} (${r.ref.path})`);
    return findingsOf(text).map((f) => ({
      kind: obj.kind,
      name: obj.metadata.name,
      path: `data.${key}`,
      message: `custom queries used by ${users.join(', ')}${f.where ? `: ${f.where}` : ''}: ${f.message}`,
      ...(f.allowed ? { allowed: f.allowed } : {}),
    }));
  });
}
