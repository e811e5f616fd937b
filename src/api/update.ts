// Rules that compare an object with the version already stored: what may not change once an
// object exists. Both sides are validated and defaulted first, so a field a user left out compares
// as its default rather than as a removal.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './meta.js';
import { ManifestError, msg, toIssue, type Finding, type ValidationIssue } from './errors.js';
import type { Cluster } from './cluster.js';
import { specMajor } from './image.js';
import { parseQuantity } from './quantity.js';
import type { ClusterStatus } from './cluster-status.js';
import { logicalReplicationChanges } from './logical-replication.js';
import { IMMUTABLE_DATABASE_FIELDS } from './database.js';

type Storage = { size?: string } | undefined;

function shrink(path: string, before: Storage, after: Storage): Finding[] {
  const from = before?.size;
  const to = after?.size;
  if (from === undefined || to === undefined) return [];
  const fromBytes = parseQuantity(from);
  const toBytes = parseQuantity(to);
  if (fromBytes === undefined || toBytes === undefined || toBytes >= fromBytes) return [];
  return [{ path, message: msg.storageShrink(from, to) }];
}

/** Once any instance has been created, the bootstrap section has done its work. */
function bootstrapped(cluster: KubeObject): boolean {
  const status = cluster.status as ClusterStatus | undefined;
  return (status?.latestGeneratedNode ?? 0) > 0 || (status?.instances ?? 0) > 0 || status?.currentPrimary !== undefined;
}

/**
 * A newer major is a declarative major upgrade (operator/major-upgrade.ts), on both platforms; the
 * major the data last ran (status.pgDataImageInfo, as CloudNativePG compares) may not go down.
 */
function majorChange(old: Cluster & KubeObject, next: Cluster): Finding[] {
  const from = (old.status as ClusterStatus | undefined)?.pgDataImageInfo?.majorVersion ?? specMajor(old.spec);
  const to = specMajor(next.spec);
  if (from === undefined || to === undefined || from === to) return [];
  const path = next.spec.imageCatalogRef ? 'spec.imageCatalogRef.major' : 'spec.imageName';
  if (to < from) return [{ path, message: msg.majorDowngrade(from, to) }];
  return to < 16 ? [{ path, message: msg.majorUpgradeTarget(from, to) }] : [];
}

function clusterChanges(old: Cluster & KubeObject, next: Cluster): Finding[] {
  const findings: Finding[] = [];
  const before = old.spec;
  const after = next.spec;
  findings.push(...shrink('spec.storage.size', before.storage, after.storage));
  if (before.walStorage && !after.walStorage) findings.push({ path: 'spec.walStorage', message: msg.walStorageRemoved() });
  findings.push(...shrink('spec.walStorage.size', before.walStorage, after.walStorage));
  if (before.tablespaces?.length && !after.tablespaces?.length) {
    findings.push({ path: 'spec.tablespaces', message: msg.tablespacesRemoved() });
  } else {
    (before.tablespaces ?? []).forEach((tablespace, index) => {
      const kept = after.tablespaces?.find((t) => t.name === tablespace.name);
      if (!kept) findings.push({ path: `spec.tablespaces[${index}]`, message: msg.tablespaceRemoved(tablespace.name) });
      else findings.push(...shrink(`spec.tablespaces[${index}].storage.size`, tablespace.storage, kept.storage));
    });
  }
  for (const field of ['postgresUID', 'postgresGID'] as const) {
    if (before[field] !== after[field]) findings.push({ path: `spec.${field}`, message: msg.immutable(field) });
  }
  findings.push(...majorChange(old, next));
  const slots = before.replicationSlots.highAvailability;
  if (slots.enabled && slots.slotPrefix !== after.replicationSlots.highAvailability.slotPrefix) {
    findings.push({ path: 'spec.replicationSlots.highAvailability.slotPrefix', message: msg.slotPrefixChanged() });
  }
  if (after.primaryUpdateMethod === 'switchover' && before.imageName !== after.imageName) {
    const changed = changedKeys(before.postgresql.parameters, after.postgresql.parameters);
    if (changed.length > 0) findings.push({ path: 'spec.imageName', message: msg.imageAndParameters(changed) });
  }
  if (bootstrapped(old) && !isDeepStrictEqual(before.bootstrap, after.bootstrap)) {
    findings.push({ path: 'spec.bootstrap', message: msg.bootstrapChanged() });
  }
  return findings;
}

function changedKeys(a: Readonly<Record<string, string>> = {}, b: Readonly<Record<string, string>> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]).sort();
}

function specField(obj: KubeObject, field: string): unknown {
  return (obj.spec as Record<string, unknown> | undefined)?.[field];
}

function kindChanges(old: KubeObject, next: KubeObject): Finding[] {
  switch (next.kind) {
    case 'Cluster':
      return clusterChanges(old as Cluster & KubeObject, next as Cluster);
    case 'Backup':
      // A Backup records one run: changing what it asked for would make its status describe something else.
      return isDeepStrictEqual(old.spec, next.spec) ? [] : [{ path: 'spec', message: msg.immutable('a Backup\'s spec') }];
    case 'Database':
      return databaseChanges(old, next);
    case 'ScheduledBackup':
    case 'Pooler':
      return isDeepStrictEqual(specField(old, 'cluster'), specField(next, 'cluster')) ? [] : [{ path: 'spec.cluster', message: msg.immutable('cluster') }];
    case 'Publication':
    case 'Subscription':
      return logicalReplicationChanges(old, next);
    default:
      return [];
  }
}

/** CREATE DATABASE's one-time settings, and which database and cluster the object is about. */
function databaseChanges(old: KubeObject, next: KubeObject): Finding[] {
  return IMMUTABLE_DATABASE_FIELDS.filter((field) => !isDeepStrictEqual(specField(old, field), specField(next, field))).map((field) => ({
    path: `spec.${field}`,
    message: msg.immutable(field),
  }));
}

/** What an update of `old` to `next` may not do; empty when it may proceed. */
export function updateIssues(old: KubeObject, next: KubeObject): ValidationIssue[] {
  const findings: Finding[] = [];
  if ((old.metadata.namespace ?? '') !== (next.metadata.namespace ?? '')) {
    findings.push({ path: 'metadata.namespace', message: msg.namespaceChange() });
  }
  findings.push(...kindChanges(old, next));
  return findings.map((finding) => toIssue(next.kind, next.metadata.name, finding));
}

/** Throws a ManifestError naming every field the update may not change. */
export function checkUpdate(old: KubeObject, next: KubeObject): void {
  const issues = updateIssues(old, next);
  if (issues.length > 0) throw new ManifestError(issues);
}
