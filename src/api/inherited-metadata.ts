// spec.inheritedMetadata: the labels and annotations a Cluster hands down to every object the
// operator makes for it (Pods, PVCs, Services, Secrets, ServiceAccount, PDBs, PodMonitor), as
// CloudNativePG does: at creation, and onto existing objects when it changes.
import type { Cluster } from './cluster.js';
import { ANNOTATIONS, LABELS } from './names.js';

type Metadata = { labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * Keys the operator sets itself on a Cluster's objects (selectors, hashes, roles and serials depend
 * on them): the cnpg.io domain, the legacy role label and the Pod's default container. An inherited
 * entry never overrides them.
 */
export function isOperatorKey(key: string): boolean {
  return key.startsWith('cnpg.io/') || key === LABELS.legacyRole || key === ANNOTATIONS.defaultContainer;
}

function inheritable(entries: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(entries ?? {}).filter(([key]) => !isOperatorKey(key)));
}

/**
 * spec.inheritedMetadata on an object the operator makes. An inherited entry wins over one from a
 * template (a Service's or the ServiceAccount's), as in CloudNativePG, where the inherited metadata
 * is set last; the operator's own keys are never inherited.
 */
export function withInheritedMetadata<T extends { metadata: Metadata }>(cluster: Pick<Cluster, 'spec'>, obj: T): T {
  const inherited = cluster.spec.inheritedMetadata;
  if (!inherited?.labels && !inherited?.annotations) return obj;
  const labels = { ...obj.metadata.labels, ...inheritable(inherited.labels) };
  const annotations = { ...obj.metadata.annotations, ...inheritable(inherited.annotations) };
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
  };
}

/**
 * The merge patch that brings an existing object's metadata up to spec.inheritedMetadata: the
 * entries it lacks or holds with another value; undefined when there are none. As in
 * CloudNativePG, an entry no longer inherited stays on the object: nothing records which entries
 * were inherited rather than set by someone else, so removing them could remove a user's.
 */
export function inheritedMetadataPatch(cluster: Pick<Cluster, 'spec'>, existing: Metadata): Metadata | undefined {
  const missing = (wanted: Record<string, string>, have: Record<string, string> | undefined) => Object.fromEntries(Object.entries(wanted).filter(([key, value]) => have?.[key] !== value));
  const labels = missing(inheritable(cluster.spec.inheritedMetadata?.labels), existing.labels);
  const annotations = missing(inheritable(cluster.spec.inheritedMetadata?.annotations), existing.annotations);
  const patch = { ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return Object.keys(patch).length > 0 ? patch : undefined;
}
