// Pure: what each instance of a Cluster should look like, given who the primary is.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../api/index.js';
import { ANNOTATIONS } from '../api/names.js';
import type { ClusterStatus } from '../api/cluster-status.js';
import type { MonitoringQuery } from '../api/monitoring-queries.js';
import { expandPodSelectors } from '../api/pod-selectors.js';
import type { InitdbBootstrap, IsolationCheck, ManagedRoleSpec, RecoveryBootstrap, SnapshotBootstrap } from '../instance/spec.js';
import { clusterFacts, monitoringSpec, resolveQueries } from './monitoring.js';
import { PHASE } from './phases.js';
import { replicaClusterConfig } from './replica-cluster.js';
import { archiveStore } from './stores.js';
import { heldArchive, retentionSchedule } from './plugin-stores.js';
import { externalSources } from './external-clusters.js';
import { importSpec, pgBasebackupBootstrap } from './external-bootstrap.js';
import { slotNameFor } from './names.js';
import { synchronousStandbyNames } from './sync.js';
import { failureDomainFilter } from './failure-domains.js';
import { electableFor, electableReadyCount, type Placement } from './sync-election.js';
import { storageConfig, temporaryTablespaces } from './storage-config.js';
import { instanceTimings } from './timings.js';
import { primaryLeaseConfig } from './primary-lease-config.js';
import { librariesConfig } from './libraries-config.js';
import { ldapConfig } from './ldap-config.js';
import type { InstanceConfig } from './types.js';

export function initdbBootstrap(cluster: Cluster): InitdbBootstrap {
  const i = cluster.spec.bootstrap?.initdb;
  const database = i?.database ?? 'app';
  return {
    kind: 'initdb',
    database,
    owner: i?.owner ?? database,
    encoding: i?.encoding ?? 'UTF8',
    // Defaulted at admission (src/api), as CloudNativePG's webhook does; initdb gets what the Cluster shows.
    localeCollate: i?.localeCollate,
    localeCType: i?.localeCType,
    locale: i?.locale,
    localeProvider: i?.localeProvider,
    icuLocale: i?.icuLocale,
    icuRules: i?.icuRules,
    builtinLocale: i?.builtinLocale,
    dataChecksums: i?.dataChecksums ?? false,
    walSegmentSize: i?.walSegmentSize,
    options: i?.options,
    postInitSQL: i?.postInitSQL ?? [],
    postInitApplicationSQL: i?.postInitApplicationSQL ?? [],
    postInitTemplateSQL: i?.postInitTemplateSQL ?? [],
    // Left out when none, so an instance's handout for a Cluster without an import stays what it was.
    ...(i?.import ? { import: importSpec(cluster) } : {}),
  };
}

export function managedRoles(cluster: Cluster): ManagedRoleSpec[] {
  return (cluster.spec.managed?.roles ?? []).map((r) => ({
    name: r.name,
    ensure: r.ensure ?? 'present',
    login: r.login ?? false,
    superuser: r.superuser ?? false,
    createdb: r.createdb ?? false,
    createrole: r.createrole ?? false,
    inherit: r.inherit ?? true,
    replication: r.replication ?? false,
    bypassrls: r.bypassrls ?? false,
    connectionLimit: r.connectionLimit ?? -1,
    validUntil: r.validUntil,
    inRoles: r.inRoles ?? [],
    comment: r.comment,
    disablePassword: r.disablePassword ?? false,
    hasPasswordSecret: r.passwordSecret !== undefined,
  }));
}

export interface Topology {
  primary: string;
  instances: string[];
  /** Instances ready now; only the preferred-durability and legacy sync settings depend on it. */
  ready?: string[];
  fenced?: Set<string>;
  /** Each instance's node and its labels, for syncReplicaElectionConstraint. */
  placement?: Record<string, Placement>;
}

/** `recovery` is the resolved bootstrap.recovery, when the Cluster has one. */
/** `poolerAuth`: a Pooler with built-in authentication names the Cluster (see ObservedCluster.poolerIntegration). */
/** `queries`: what the exporters run (operator/monitoring.ts resolveQueries); the defaults alone when absent. */
export function desiredInstanceConfig(
  cluster: Cluster,
  name: string,
  topology: Topology,
  major: number,
  recovery?: RecoveryBootstrap | SnapshotBootstrap,
  poolerAuth = false,
  queries: MonitoringQuery[] = resolveQueries(cluster, []).queries,
): InstanceConfig {
  const isPrimary = name === topology.primary;
  const others = topology.instances.filter((n) => n !== name);
  const bootstrap = recovery ?? pgBasebackupBootstrap(cluster) ?? initdbBootstrap(cluster);
  const slots = cluster.spec.replicationSlots?.highAvailability;
  const slotsEnabled = slots?.enabled ?? true;
  const prefix = slots?.slotPrefix ?? '_cnpg_';
  const roles = managedRoles(cluster);
  // What the Cluster's status said when this was planned: the facts change with it, not mid-plan.
  const status = ((cluster as { status?: ClusterStatus }).status ?? {}) as ClusterStatus;
  const readyReplicas = (topology.ready ?? []).filter((n) => n !== topology.primary).length;
  const facts = clusterFacts(cluster, status, readyReplicas, status.phase === PHASE.waitingForUser, electableReadyCount(cluster, topology.primary, topology.ready ?? [], topology.placement));
  const sources = externalSources(cluster);
  return {
    role: isPrimary ? 'primary' : 'replica',
    primaryName: isPrimary ? undefined : topology.primary,
    slotName: !isPrimary && slotsEnabled ? slotNameFor(prefix, name) : undefined,
    bootstrap: isPrimary ? bootstrap : { kind: 'join' },
    major,
    parameters: { ...(cluster.spec.postgresql?.parameters ?? {}), ...temporaryTablespaces(cluster) },
    pgHba: expandPodSelectors(cluster.spec.postgresql?.pg_hba ?? [], status.podSelectorRefs),
    pgIdent: cluster.spec.postgresql?.pg_ident ?? [],
    localRoles: [bootstrap.owner, ...roles.filter((r) => r.ensure === 'present' && r.login).map((r) => r.name)],
    replicationSlots: isPrimary && slotsEnabled ? topology.instances.filter((n) => n !== name).map((n) => slotNameFor(prefix, n)) : [],
    enableSuperuserAccess: cluster.spec.enableSuperuserAccess ?? false,
    managedRoles: roles,
    // Every instance carries the setting it would need as primary: a promoted standby must not run
    // asynchronously, not even until its next reload.
    synchronousStandbyNames: synchronousStandbyNames(cluster, others, others.filter((r) => topology.ready?.includes(r)), electableFor(cluster, name, topology.placement), failureDomainFilter(cluster, name, topology.placement)),
    fenced: topology.fenced?.has(name) ?? false,
    restartRequest: cluster.metadata.annotations?.[ANNOTATIONS.restartedAt],
    reloadRequest: cluster.metadata.annotations?.[ANNOTATIONS.reloadedAt],
    archive: archiveStore(cluster),
    ...heldArchive(cluster),
    retentionPolicy: cluster.spec.backup?.retentionPolicy,
    ...retentionSchedule(cluster),
    // Left out rather than false, so the configuration hash of a cluster without poolers stays what it was.
    ...(poolerAuth ? { poolerAuth } : {}),
    monitoring: monitoringSpec(cluster, queries, facts),
    ...podLevelSettings(cluster),
    // Left out when none, so the configuration hash of a cluster without external sources stays what it was.
    ...(sources.length > 0 ? { externalSources: sources } : {}),
    ...replicaClusterConfig(cluster, isPrimary),
    ...librariesConfig(cluster),
    ...ldapConfig(cluster),
    ...storageConfig(cluster, bootstrap.owner),
    ...primaryLeaseConfig(cluster),
  };
}

const DEFAULT_ISOLATION_CHECK: IsolationCheck = { enabled: true, requestTimeoutMs: 1000, connectionTimeoutMs: 1000 };

/**
 * The Pod-level fields an instance manager acts on itself, each left out while it has its default
 * so that the configuration hash of a Cluster that sets none stays what it was.
 */
export function podLevelSettings(cluster: Cluster): Pick<InstanceConfig, 'isolationCheck' | 'logLevel' | 'env' | 'timings'> {
  const given = (cluster.spec.probes?.liveness as { isolationCheck?: { enabled?: boolean; requestTimeout?: number; connectionTimeout?: number } } | undefined)?.isolationCheck;
  const isolationCheck: IsolationCheck = {
    enabled: given?.enabled ?? DEFAULT_ISOLATION_CHECK.enabled,
    requestTimeoutMs: given?.requestTimeout ?? DEFAULT_ISOLATION_CHECK.requestTimeoutMs,
    connectionTimeoutMs: given?.connectionTimeout ?? DEFAULT_ISOLATION_CHECK.connectionTimeoutMs,
  };
  const logLevel = cluster.spec.logLevel ?? 'info';
  const env = Object.fromEntries((cluster.spec.env ?? []).flatMap((e) => (typeof e.name === 'string' && typeof e.value === 'string' ? [[e.name, e.value]] : [])));
  return {
    ...(isDeepStrictEqual(isolationCheck, DEFAULT_ISOLATION_CHECK) ? {} : { isolationCheck }),
    ...(logLevel === 'info' ? {} : { logLevel }),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...instanceTimings(cluster),
  };
}

/**
 * Bootstrap only matters at creation, so it stays out of the hash: changing it must not reconfigure.
 * Nor does the build: an instance changes builds only by a restart, one at a time (rollout.ts).
 */
export function configHash(config: InstanceConfig): string {
  const { bootstrap: _bootstrap, postgresVersion: _postgresVersion, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

