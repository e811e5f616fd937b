// `status`: the cluster as its instances report it right now.
import { archivesThroughPlugin } from '../../operator/plugin-stores.js';
import type { ClusterStatus, StoredCluster as Cluster } from '../../api/cluster-status.js';
import type { ObservedInstance } from '../../operator/types.js';
import type { InstanceMetrics } from '../../operator/instance-metrics.js';
import { renderClusterStatus, renderClusterStatusJson, type ClusterStatusReport, type PoolerStatusReport } from '../format/status.js';
import type { Pooler } from '../../api/index.js';
import type { PoolerStatus } from '../../operator/pooler-plan.js';
import type { PoolerInstanceReport } from '../../platform/local/poolers.js';
import type { DaemonClient } from '../client.js';
import { CliError } from '../client.js';
import { serviceNames } from '../../api/names.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVerboseSections, type PrimaryConfiguration } from '../format/status-verbose.js';
import { parseDuration } from './mutate.js';
import { versionFromImageName } from '../../api/image.js';
import { isReplicaCluster } from '../../api/replica-cluster.js';
import { failureDomainsReport } from '../format/failure-domains.js';
import type { ReplicaClusterReport } from '../format/replica-status.js';

function replicaReport(r: Report): ReplicaClusterReport | undefined {
  const replica = r.cluster.spec.replica;
  if (!replica) return undefined;
  const status = (r.cluster.status ?? {}) as ClusterStatus;
  const primary = r.instances.find((i) => i.name === status.currentPrimary)?.status;
  const following = isReplicaCluster(r.cluster);
  return {
    replica: following,
    source: replica.source,
    designatedPrimary: following ? status.currentPrimary : undefined,
    ...(following && primary ? { receivedLsn: primary.receivedLsn, replayLsn: primary.replayLsn, lagBytes: primary.lagBytes, restoredWalFiles: primary.sourceWal?.restoredWalFiles } : {}),
    demotionToken: status.demotionToken,
    promotionToken: replica.promotionToken,
    lastPromotionToken: status.lastPromotionToken,
  };
}

export interface Report {
  cluster: Cluster;
  /** `metrics`: what the instance's exporter reports (database sizes, archiver), when it answered. */
  instances: Array<ObservedInstance & { port?: number; managerPid?: number; metricsPort?: number; metrics?: InstanceMetrics }>;
  /** Where clients connect; the local platform's TCP endpoints when not given. */
  endpoints?: ClusterStatusReport['endpoints'];
  endpointPath?: string;
  /** The Poolers naming the cluster, with their PgBouncers as the platform reports them. */
  poolers?: Array<{ pooler: Pooler & { status?: PoolerStatus }; instances: PoolerInstanceReport[] }>;
}

function poolerReport({ pooler, instances }: NonNullable<Report['poolers']>[number]): PoolerStatusReport {
  const status = pooler.status;
  const endpoint = status?.localEndpoint;
  return {
    name: pooler.metadata.name,
    type: pooler.spec.type,
    poolMode: pooler.spec.pgbouncer.poolMode,
    instances: pooler.spec.instances,
    running: instances.filter((i) => i.running).length,
    ready: instances.filter((i) => i.ready).length,
    paused: pooler.spec.pgbouncer.paused,
    phase: status?.phase,
    phaseReason: status?.phaseReason,
    address: endpoint ? `${endpoint.host}:${endpoint.port}` : undefined,
    instancesStatus: instances.map((i) => ({ name: i.name, ready: i.ready, paused: i.paused, pid: i.pgbouncerPid, managerPid: i.managerPid, metricsPort: i.metricsPort })),
  };
}

function versions(r: Report, status: ClusterStatus): Pick<ClusterStatusReport, 'postgresVersion' | 'requestedVersion'> {
  const primary = r.instances.find((i) => i.name === status.currentPrimary);
  const postgresVersion = primary?.status?.serverVersion ?? status.postgresVersion;
  const image = r.cluster.spec.imageName ?? status.image;
  const asked = image ? versionFromImageName(image) : undefined;
  return { ...(postgresVersion ? { postgresVersion } : {}), ...(asked?.minor !== undefined ? { requestedVersion: `${asked.major}.${asked.minor}` } : {}) };
}

export function buildStatusReport(r: Report): ClusterStatusReport {
  const status = (r.cluster.status ?? {}) as ClusterStatus;
  const names = serviceNames(r.cluster.metadata.name);
  const endpoints =
    r.endpoints ??
    (status.localEndpoints ? (['rw', 'ro', 'r'] as const).map((role) => ({ name: names[role], host: status.localEndpoints![role].host, port: status.localEndpoints![role].port })) : []);
  const failureDomains = failureDomainsReport(r.cluster, status, (n) => r.instances.some((i) => i.name === n && i.running && i.status?.ready));
  return {
    name: r.cluster.metadata.name,
    namespace: r.cluster.metadata.namespace ?? 'default',
    imageName: r.cluster.spec.imageName,
    ...versions(r, status),
    phase: status.phase,
    phaseReason: status.phaseReason,
    instances: r.cluster.spec.instances ?? 1,
    readyInstances: status.readyInstances ?? 0,
    currentPrimary: status.currentPrimary,
    targetPrimary: status.targetPrimary,
    primaryStartTime: status.currentPrimaryTimestamp,
    backupConfigured: r.cluster.spec.backup?.barmanObjectStore !== undefined || archivesThroughPlugin(r.cluster),
    firstRecoverabilityPoint: status.firstRecoverabilityPoint,
    endpoints,
    endpointPath: r.endpointPath,
    instancesStatus: [...r.instances]
      .sort((a, b) => a.serial - b.serial)
      .map((i) => ({
        name: i.name,
        isPrimary: i.status?.isPrimary ?? i.name === status.currentPrimary,
        ...(i.status?.designatedPrimary ? { designatedPrimary: true } : {}),
        ready: Boolean(i.running && i.status?.ready),
        error: !i.running ? 'instance manager not running' : (i.statusError ?? i.status?.lastError),
        timeLineID: i.status?.timeLineID,
        currentLsn: i.status?.currentLsn,
        receivedLsn: i.status?.receivedLsn,
        replayLsn: i.status?.replayLsn,
        systemID: i.status?.systemID,
        pendingRestart: i.status?.pendingRestart,
        port: i.port,
        postmasterPid: i.status?.postmasterPid,
        replication: i.status?.replicationInfo,
        archiving: i.status?.archiving,
        metricsPort: i.metricsPort,
        ...(i.metrics ? { databaseSizeBytes: Object.values(i.metrics.databaseSizes).reduce((a, b) => a + b, 0), databaseSizes: i.metrics.databaseSizes } : {}),
        ...(i.metrics?.archiver ? { archiver: i.metrics.archiver } : {}),
      })),
    ...(r.poolers ? { poolers: r.poolers.map(poolerReport) } : {}),
    ...(r.cluster.spec.replica ? { replicaCluster: replicaReport(r) } : {}),
    ...(failureDomains ? { failureDomains } : {}),
  };
}

export interface StatusOptions {
  output?: string;
  verbose: number;
  /** -t/--timeout: how long reaching into an instance's files may take (the plugin's `du` and `cat`). */
  timeout?: string;
}

/** The flags checked before anything is asked; the timeout in milliseconds. */
export function checkStatusOptions(opts: StatusOptions): number {
  if (opts.output && !['text', 'json'].includes(opts.output)) throw new CliError(`error: output format "${opts.output}" is not supported (allowed: text, json)`);
  try {
    return parseDuration(opts.timeout ?? '10s');
  } catch {
    throw new CliError(`error: --timeout: invalid duration "${opts.timeout}" (use e.g. 10s, 1m)`);
  }
}

/** Locally the primary's data directory is a folder on this machine: its files are read directly. */
async function localPrimaryConfiguration(client: DaemonClient, namespace: string, primary: string | undefined): Promise<PrimaryConfiguration> {
  if (!primary) return { errors: ['no primary instance to read the configuration of'] };
  const errors: string[] = [];
  const read = (pgdata: string, file: string) => {
    try {
      return readFileSync(join(pgdata, file), 'utf8');
    } catch (e) {
      errors.push(`cannot read ${file} of ${primary}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const pod = await client.get('Pod', namespace, primary);
  const pgdata = (pod.status as { local?: { pgdata?: string } } | undefined)?.local?.pgdata ?? '';
  return { postgresqlConf: read(pgdata, 'postgresql.conf'), pgHbaConf: read(pgdata, 'pg_hba.conf'), errors };
}

export async function statusCommand(client: DaemonClient, cluster: string, opts: StatusOptions & { namespace?: string }): Promise<void> {
  checkStatusOptions(opts);
  const namespace = opts.namespace ?? 'default';
  const raw = await client.request<Report>('GET', '/cluster-report', { namespace, name: cluster });
  const report = buildStatusReport(raw);
  if (opts.output === 'json') return void process.stdout.write(renderClusterStatusJson(report));
  const now = new Date();
  const extra = opts.verbose > 1 ? renderVerboseSections(await localPrimaryConfiguration(client, namespace, report.currentPrimary), raw.cluster.status?.certificates, now) : '';
  process.stdout.write(renderClusterStatus(report, { verbose: opts.verbose, now }) + extra);
}
