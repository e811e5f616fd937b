// The kinds this product knows, with the names a CLI accepts for them
// (`get clusters|cluster|cluster.postgresql.cnpg.io|po|svc|…`).
import { BARMAN_CLOUD_API_VERSION, CNPG_API_VERSION } from './meta.js';

export interface KindInfo {
  kind: string;
  apiVersion: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  /** Synthesised by the platform for each Cluster; applying one is an error. */
  readOnly: boolean;
}

function kind(
  name: string,
  apiVersion: string,
  options: { plural?: string; shortNames?: readonly string[]; namespaced?: boolean; readOnly?: boolean } = {},
): KindInfo {
  return {
    kind: name,
    apiVersion,
    plural: options.plural ?? `${name.toLowerCase()}s`,
    singular: name.toLowerCase(),
    shortNames: options.shortNames ?? [],
    namespaced: options.namespaced ?? true,
    readOnly: options.readOnly ?? false,
  };
}

export const KINDS = {
  // Short names as in the generated CRDs (src/api/crd/definitions.ts).
  Cluster: kind('Cluster', CNPG_API_VERSION, { shortNames: ['pgcluster'] }),
  Backup: kind('Backup', CNPG_API_VERSION, { shortNames: ['pgbackup'] }),
  ScheduledBackup: kind('ScheduledBackup', CNPG_API_VERSION, { shortNames: ['pgschedule'] }),
  Pooler: kind('Pooler', CNPG_API_VERSION, { shortNames: ['pgpooler'] }),
  Database: kind('Database', CNPG_API_VERSION),
  ImageCatalog: kind('ImageCatalog', CNPG_API_VERSION, { shortNames: ['pgcatalog'] }),
  ClusterImageCatalog: kind('ClusterImageCatalog', CNPG_API_VERSION, { namespaced: false, shortNames: ['pgclustercatalog'] }),
  Publication: kind('Publication', CNPG_API_VERSION),
  Subscription: kind('Subscription', CNPG_API_VERSION),
  ObjectStore: kind('ObjectStore', BARMAN_CLOUD_API_VERSION),
  Secret: kind('Secret', 'v1'),
  ConfigMap: kind('ConfigMap', 'v1', { shortNames: ['cm'] }),
  Namespace: kind('Namespace', 'v1', { shortNames: ['ns'], namespaced: false }),
  Pod: kind('Pod', 'v1', { shortNames: ['po'], readOnly: true }),
  Service: kind('Service', 'v1', { shortNames: ['svc'], readOnly: true }),
} as const satisfies Record<string, KindInfo>;

export type KnownKind = keyof typeof KINDS;

/**
 * Kubernetes kinds a user reads beside ours, never applies through this product: the Events, each
 * instance's data directory as a PersistentVolumeClaim, and the operator itself as the Deployment
 * kubectl users wait for (locally these are views the platform synthesises).
 */
export const VIEW_KINDS = {
  Event: kind('Event', 'v1', { shortNames: ['ev'] }),
  PersistentVolumeClaim: kind('PersistentVolumeClaim', 'v1', { shortNames: ['pvc', 'pvcs'] }),
  Deployment: kind('Deployment', 'apps/v1', { shortNames: ['deploy'] }),
} as const satisfies Record<string, KindInfo>;

/** Other kinds of the CloudNativePG API group: stored as generic objects, not acted on. */
export const OTHER_CNPG_KINDS: readonly string[] = ['DatabaseRole', 'FailoverQuorum'];

export function isKnownKind(name: string): name is KnownKind {
  return Object.hasOwn(KINDS, name);
}

// `cluster.postgresql.cnpg.io` and `cluster.v1.postgresql.cnpg.io` both name the CNPG Cluster.
function qualifiers(apiVersion: string): string[] {
  const [group, version] = apiVersion.split('/');
  return version === undefined ? [] : [group ?? '', `${version}.${group ?? ''}`];
}

/**
 * Resolves what a user typed for a resource type: kind (`Cluster`), plural (`clusters`),
 * singular (`cluster`), short name (`svc`), optionally qualified by group (`cluster.postgresql.cnpg.io`)
 * or by version and group (`cluster.v1.postgresql.cnpg.io`). The CLI and both platforms resolve
 * kinds here, so a name one accepts the others accept too.
 */
export function resolveKind(text: string): KindInfo | undefined {
  const lower = text.trim().toLowerCase();
  const dot = lower.indexOf('.');
  const name = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  return [...Object.values(KINDS), ...Object.values(VIEW_KINDS)].find(
    (info) =>
      (qualifier === undefined || qualifiers(info.apiVersion).includes(qualifier)) &&
      [info.kind.toLowerCase(), info.plural, info.singular, ...info.shortNames].includes(name),
  );
}
