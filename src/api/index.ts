// Public entry points of the API layer: parse and validate manifests, resource types, kind
// table, and the PostgreSQL parameter rules the config renderer shares.
import type { KubeObject } from './meta.js';
import { CNPG_API_VERSION } from './meta.js';
import { ManifestError } from './errors.js';
import { validateDocument } from './validate.js';
import type { Platform } from './support.js';
import { specMajor } from './image.js';
import type { Cluster } from './cluster.js';
import type { Backup } from './backup.js';
import type { ScheduledBackup } from './scheduled-backup.js';
import type { Pooler } from './pooler.js';
import type { Publication } from './publication.js';
import type { Subscription } from './subscription.js';
import type { ClusterImageCatalog, ImageCatalog } from './image-catalog.js';
import type { Secret } from './secret.js';
import type { ConfigMap } from './config-map.js';
import type { Namespace } from './namespace.js';

export type { KubeObject, ObjectMeta, OwnerReference, KubeList } from './meta.js';
export { CNPG_API_VERSION, DEFAULT_NAMESPACE } from './meta.js';
export type { Cluster, ClusterSpec } from './cluster.js';
export type { Backup } from './backup.js';
export type { ScheduledBackup } from './scheduled-backup.js';
export type { Pooler, PoolerPhase, PoolerStatus } from './pooler.js';
export { nameClashIssue, nameRivalKind } from './pooler.js';
export type { Publication, PublicationTarget } from './publication.js';
export type { Subscription } from './subscription.js';
export type { LogicalReplicationStatus } from './logical-replication.js';
export type { Database, DatabaseSpec, DatabaseStatus, DatabaseObjectStatus } from './database.js';
export type { ImageCatalog, ClusterImageCatalog } from './image-catalog.js';
export type { Secret } from './secret.js';
export type { ConfigMap } from './config-map.js';
export type { Namespace } from './namespace.js';
export type { RoleConfiguration } from './cluster-managed.js';
export type { ExternalCluster } from './cluster-replication.js';
export type { BarmanObjectStore } from './barman.js';

export { ManifestError, formatIssue, type ValidationIssue } from './errors.js';
export { parseManifests, type ParsedManifests } from './parse.js';
export { checkUpdate, updateIssues } from './update.js';
export { KINDS, resolveKind, VIEW_KINDS, type KindInfo, type KnownKind } from './kinds.js';
export { NOT_ACTED_ON } from './support.js';
export { majorFromImageName } from './image.js';
export { parseQuantity, isQuantity } from './quantity.js';
export { normaliseSchedule, type CronResult } from './cron.js';
export {
  OPERATOR_DEFAULT_PARAMETERS,
  BLOCKED_PARAMETERS,
  FIXED_PARAMETERS,
  isBlockedParameter,
  isFixedParameter,
  fixedParameterField,
} from './gucs.js';

/** Validates one decoded object (e.g. a JSON request body); throws ManifestError. */
export function validateObject(obj: unknown, platform: Platform = 'local', written?: unknown): { resource: KubeObject; warnings: string[] } {
  const outcome = validateDocument(obj, { document: 1, platform, written });
  if (!outcome.resource || outcome.issues.length > 0) throw new ManifestError(outcome.issues);
  return { resource: outcome.resource, warnings: outcome.warnings };
}

function guard<T extends KubeObject>(kind: string, apiVersion: string) {
  return (obj: KubeObject | undefined | null): obj is T => obj?.kind === kind && obj.apiVersion === apiVersion;
}

export const isCluster = guard<Cluster>('Cluster', CNPG_API_VERSION);
export const isBackup = guard<Backup>('Backup', CNPG_API_VERSION);
export const isScheduledBackup = guard<ScheduledBackup>('ScheduledBackup', CNPG_API_VERSION);
export const isPooler = guard<Pooler>('Pooler', CNPG_API_VERSION);
export const isPublication = guard<Publication>('Publication', CNPG_API_VERSION);
export const isSubscription = guard<Subscription>('Subscription', CNPG_API_VERSION);
export const isImageCatalog = guard<ImageCatalog>('ImageCatalog', CNPG_API_VERSION);
export const isClusterImageCatalog = guard<ClusterImageCatalog>('ClusterImageCatalog', CNPG_API_VERSION);
export const isSecret = guard<Secret>('Secret', 'v1');
export const isConfigMap = guard<ConfigMap>('ConfigMap', 'v1');
export const isNamespace = guard<Namespace>('Namespace', 'v1');

/** The PostgreSQL major a Cluster asks for (see specMajor). */
export function clusterMajor(cluster: Cluster): number | undefined {
  return specMajor(cluster.spec);
}

/** Decoded Secret values (data is base64; stringData was merged into it on apply). */
export function secretValues(secret: Secret): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
}
