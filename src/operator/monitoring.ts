// Pure: spec.monitoring resolved into what every instance's exporter runs. The controller reads the
// documents the Cluster names; this decides which queries they make, what is wrong with them, and
// the cluster-wide facts the instances report but cannot see.
import { archivesThroughPlugin } from './plugin-stores.js';
import type { Cluster } from '../api/index.js';
import type { ClusterStatus } from '../api/cluster-status.js';
import { DEFAULT_MONITORING_QUERIES } from '../api/default-monitoring-queries.js';
import { goDurationSeconds } from '../api/go-duration.js';
import { isReplicaCluster } from '../api/replica-cluster.js';
import { mergeQueries, parseMonitoringQueries, type MonitoringQuery, type ParsedQueries } from '../api/monitoring-queries.js';
import type { ClusterFacts, MonitoringSpec } from '../instance/spec.js';
import type { ObservedPodMonitor, ResolvedQueries } from './types.js';

export const DEFAULT_QUERIES_TTL_SECONDS = 30;

export type QueriesSourceKind = 'ConfigMap' | 'Secret';

export interface QueriesReference {
  kind: QueriesSourceKind;
  name: string;
  key: string;
  /** Where the reference sits in the Cluster, for messages: `spec.monitoring.customQueriesConfigMap[0]`. */
  path: string;
}

/** A referenced document as read now: its text, or which of the object and the key is missing. */
export interface QueriesDocument extends QueriesReference {
  text?: string;
  missing?: 'object' | 'key';
}

/** The queries to run and what keeps the Cluster's own documents from being used as they are now. */
/** The documents the Cluster names, in the order they are merged: ConfigMaps, then Secrets. */
export function queriesReferences(cluster: Cluster): QueriesReference[] {
  const m = cluster.spec.monitoring;
  const refs = (kind: QueriesSourceKind, field: 'customQueriesConfigMap' | 'customQueriesSecret') =>
    (m?.[field] ?? []).map((r, i) => ({ kind, name: r.name, key: r.key, path: `spec.monitoring.${field}[${i}]` }));
  return [...refs('ConfigMap', 'customQueriesConfigMap'), ...refs('Secret', 'customQueriesSecret')];
}

/** Every reconcile of every Cluster resolves the same few texts: parse each once. */
const parsedByText = new Map<string, ParsedQueries>();
const PARSED_KEPT = 64;

function parsed(text: string): ParsedQueries {
  let result = parsedByText.get(text);
  if (!result) {
    result = parseMonitoringQueries(text);
    if (parsedByText.size >= PARSED_KEPT) parsedByText.delete(parsedByText.keys().next().value!);
    parsedByText.set(text, result);
  }
  return result;
}

export function defaultQueries(): MonitoringQuery[] {
  const { queries, findings } = parsed(DEFAULT_MONITORING_QUERIES);
  if (findings.length > 0) throw new Error(`the built-in default monitoring queries do not parse: ${findings.map((f) => `${f.path}: ${f.message}`).join('; ')}`);
  return queries;
}

/** `ConfigMap q key queries: pg_x.metrics[0].c.usage: unknown usage "FOO"`. */
export function documentProblems(doc: QueriesDocument): string[] {
  const where = `${doc.kind} ${doc.name} key ${doc.key}`;
  if (doc.missing === 'object' || (doc.text === undefined && doc.missing !== 'key')) return [`${where}: the ${doc.kind} does not exist`];
  if (doc.missing === 'key' || doc.text === undefined) return [`${where}: the ${doc.kind} has no such key`];
  return parsed(doc.text).findings.map((f) => `${where}: ${f.path ? `${f.path}: ` : ''}${f.message}${f.allowed ? ` (allowed: ${f.allowed.join(', ')})` : ''}`);
}

/**
 * Defaults (unless disableDefaultQueries) then each document, merged by key. Any problem keeps
 * `lastGood` (what ran before the document broke) where there is one, so a ConfigMap edited into
 * something unusable does not stop the queries that worked; without one, the documents that are
 * usable still run.
 */
export function resolveQueries(cluster: Cluster, documents: QueriesDocument[], lastGood?: MonitoringQuery[]): ResolvedQueries {
  const problems = documents.flatMap(documentProblems);
  if (problems.length > 0 && lastGood) return { queries: lastGood, problems };
  const usable = documents.filter((d) => documentProblems(d).length === 0).map((d) => parsed(d.text!).queries);
  const defaults = cluster.spec.monitoring?.disableDefaultQueries === true ? [] : [defaultQueries()];
  return { queries: mergeQueries([...defaults, ...usable]), problems };
}

/** metricsQueriesTTL in seconds; admission refuses what does not parse. */
export function queriesTtlSeconds(cluster: Cluster): number {
  const ttl = cluster.spec.monitoring?.metricsQueriesTTL;
  return (ttl === undefined ? undefined : goDurationSeconds(ttl)) ?? DEFAULT_QUERIES_TTL_SECONDS;
}

/**
 * `readyReplicas`: standbys streaming now, which the legacy min/max settings size the synchronous
 * set by. `waitingForUser`: a supervised update waits for a switchover. `electable`: how many of
 * them syncReplicaElectionConstraint lets be synchronous, when it caps the number.
 */
export function clusterFacts(cluster: Cluster, status: ClusterStatus, readyReplicas: number, waitingForUser: boolean, electable = Number.MAX_SAFE_INTEGER): ClusterFacts {
  const sync = cluster.spec.postgresql?.synchronous;
  const min = cluster.spec.minSyncReplicas ?? 0;
  const max = cluster.spec.maxSyncReplicas ?? 0;
  const syncReplicas = sync
    ? { min: sync.number, max: sync.number, expected: sync.number }
    : { min, max, expected: max <= 0 ? 0 : Math.min(max, Math.max(min, readyReplicas), electable) };
  return {
    replicaMode: isReplicaCluster(cluster),
    manualSwitchoverRequired: waitingForUser,
    syncReplicas,
    nodesUsed: status.topology?.successfullyExtracted ? status.topology.nodesUsed : -1,
    ...(status.firstRecoverabilityPoint ? { firstRecoverabilityPoint: status.firstRecoverabilityPoint } : {}),
    ...(status.lastSuccessfulBackup ? { lastAvailableBackup: status.lastSuccessfulBackup } : {}),
    ...(status.lastFailedBackup ? { lastFailedBackup: status.lastFailedBackup } : {}),
    ...(archivesThroughPlugin(cluster) ? { barmanCloudPlugin: true as const } : {}),
  };
}

export function monitoringSpec(cluster: Cluster, queries: MonitoringQuery[], facts: ClusterFacts): MonitoringSpec {
  return { queries, queriesTtlSeconds: queriesTtlSeconds(cluster), facts };
}

export const PODMONITOR_CRD = 'podmonitors.monitoring.coreos.com';

export interface PodMonitorPlan {
  action?: { kind: 'applyPodMonitor' } | { kind: 'removePodMonitor' };
  /** While enablePodMonitor is set on a platform that has PodMonitors: whether there is one, or why not. */
  condition?: { ok: boolean; message: string };
}

/** spec.monitoring.enablePodMonitor against what the platform sees; nothing where it has no PodMonitors. */
export function planPodMonitor(cluster: Cluster, observed: ObservedPodMonitor | undefined): PodMonitorPlan {
  if (!observed) return {};
  if (cluster.spec.monitoring?.enablePodMonitor !== true) return observed.exists ? { action: { kind: 'removePodMonitor' } } : {};
  if (!observed.kindServed) {
    return { condition: { ok: false, message: `spec.monitoring.enablePodMonitor is true but the PodMonitor kind (monitoring.coreos.com/v1) is not served: install the Prometheus operator's CRD ${PODMONITOR_CRD}; the PodMonitor is made once it is there` } };
  }
  return { action: { kind: 'applyPodMonitor' }, condition: { ok: true, message: `PodMonitor ${cluster.metadata.name} selects the instances' metrics port` } };
}
