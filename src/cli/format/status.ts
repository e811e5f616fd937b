// `cnpg status CLUSTER`, laid out like `kubectl cnpg status`: Cluster Summary, Continuous Backup
// status, Streaming Replication status, Instances status, then our Endpoints. Tables follow the
// plugin's tabby style (header, dashes, two spaces between columns). No colours: the caller adds them.

import type { ReplicationInfo } from '../../instance/status.js';
import type { InstanceMetrics } from '../../operator/instance-metrics.js';
import { pgWalfileName } from '../../postgres/lsn.js';
import { goDurationString, goUtcTimeString, parseTimestamp } from './age.js';
import { replicaSummaryRows, tokenSections, type ReplicaClusterReport } from './replica-status.js';
import { tabwrite } from './tabwriter.js';
import { failureDomainsSection, type FailureDomainsReport } from './failure-domains.js';

export interface InstanceStatusReport {
  name: string;
  isPrimary: boolean;
  /** A replica cluster's primary: a standby of the source cluster. */
  designatedPrimary?: boolean;
  ready: boolean;
  error?: string;
  timeLineID?: number;
  currentLsn?: string;
  receivedLsn?: string;
  replayLsn?: string;
  systemID?: string;
  pendingRestart?: boolean;
  port?: number;
  postmasterPid?: number;
  fenced?: boolean;
  replication?: ReplicationInfo[];
  archiving?: {
    lastArchivedWal?: string;
    lastArchivedTime?: string;
    lastFailedWal?: string;
    lastFailedTime?: string;
    readyWalFiles?: number;
    lastError?: string;
    failing?: boolean;
  };
  /** Where the instance's exporter serves /metrics. */
  metricsPort?: number;
  /** From the exporter: every database's size, and their total. */
  databaseSizeBytes?: number;
  databaseSizes?: Record<string, number>;
  archiver?: InstanceMetrics['archiver'];
}

export interface ClusterStatusReport {
  name: string;
  namespace: string;
  imageName?: string;
  /** The exact version the primary runs, and the version the image's tag names when it names a minor. */
  postgresVersion?: string;
  requestedVersion?: string;
  phase?: string;
  phaseReason?: string;
  instances: number;
  readyInstances: number;
  currentPrimary?: string;
  targetPrimary?: string;
  primaryStartTime?: string;
  backupConfigured: boolean;
  firstRecoverabilityPoint?: string;
  endpoints: Array<{ name: string; host: string; port: number }>;
  /** Locally, what carries the endpoints' connections (kernel forwarding or the proxy alone). */
  endpointPath?: string;
  instancesStatus: InstanceStatusReport[];
  /** The Poolers in front of the cluster; absent where the platform does not report them. */
  poolers?: PoolerStatusReport[];
  /** spec.replica, when the Cluster has it. */
  replicaCluster?: ReplicaClusterReport;
  /** While synchronous failure domain keys are set. */
  failureDomains?: FailureDomainsReport;
}

export interface PoolerStatusReport {
  name: string;
  type: string;
  poolMode: string;
  /** Wanted (spec.instances), and running and ready as the PgBouncers report it. */
  instances: number;
  running: number;
  ready: number;
  paused: boolean;
  phase?: string;
  phaseReason?: string;
  address?: string;
  instancesStatus: Array<{ name: string; ready: boolean; paused: boolean; pid?: number; managerPid?: number; metricsPort?: number }>;
}

export interface ClusterStatusOptions {
  /** -v: adds Timeline and System ID columns to the instances table. */
  verbose: number;
  now: Date;
}

type Replication = NonNullable<InstanceStatusReport['replication']>[number];

/** tabby: header, a dashes line under each header, cells padded by two spaces. */
function tabby(headers: string[] | undefined, rows: string[][]): string {
  const lines = headers ? [headers, headers.map((h) => '-'.repeat(h.length)), ...rows] : rows;
  return tabwrite(`${lines.map((r) => r.join('\t')).join('\n')}\n`, { minWidth: 0, padding: 2 });
}

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));

/** Like the plugin: the primary is the instance that says so, or the one others stream from. */
function findPrimary(report: ClusterStatusReport): InstanceStatusReport | undefined {
  return (
    report.instancesStatus.find((i) => i.error === undefined && i.isPrimary) ??
    report.instancesStatus.find((i) => i.error === undefined && (i.replication?.length ?? 0) > 0)
  );
}

function primaryStart(value: string, now: Date): string {
  const t = parseTimestamp(value);
  if (t === undefined) return value;
  return `${goUtcTimeString(t)} (uptime ${goDurationString(now.getTime() - t)})`;
}

/** Locally a tag names a build that may not exist: "16.13 (16.1 → 16.13)" says which one stands in. */
function postgresVersion(running: string, requested: string | undefined): string {
  return requested && requested !== running ? `${running} (${requested} → ${running})` : running;
}

function clusterSummary(report: ClusterStatusReport, primary: InstanceStatusReport | undefined, now: Date): string {
  const switching = report.targetPrimary !== undefined && report.targetPrimary !== '' && report.currentPrimary !== report.targetPrimary;
  const rows: string[][] = [
    ['Name:', report.name],
    ['Namespace:', report.namespace],
  ];
  if (primary?.systemID) rows.push(['System ID:', primary.systemID]);
  rows.push(['PostgreSQL Image:', report.imageName ?? '']);
  if (report.postgresVersion) rows.push(['PostgreSQL Version:', postgresVersion(report.postgresVersion, report.requestedVersion)]);
  rows.push([
    'Primary instance:',
    switching ? `${report.currentPrimary ?? ''} (switching to ${report.targetPrimary ?? ''})` : (report.currentPrimary ?? ''),
  ]);
  if (report.replicaCluster) rows.push(...replicaSummaryRows(report.replicaCluster));
  if (report.primaryStartTime) rows.push(['Primary start time:', primaryStart(report.primaryStartTime, now)]);
  rows.push(['Status:', [report.phase, report.phaseReason].filter((s) => s !== undefined && s !== '').join(' ')]);
  rows.push(['Instances:', String(report.instances)]);
  rows.push(['Ready instances:', String(report.readyInstances)]);
  const fenced = report.instancesStatus.filter((i) => i.fenced).map((i) => i.name);
  if (fenced.length > 0) rows.push(['Fenced instances:', fenced.join(', ')]);
  if (primary?.currentLsn) {
    const wal = primary.timeLineID !== undefined ? pgWalfileName(primary.timeLineID, primary.currentLsn) : '-';
    rows.push(['Current Write LSN:', `${primary.currentLsn} (Timeline: ${dash(primary.timeLineID)} - WAL File: ${wal})`]);
  }
  const notice = switching ? (report.currentPrimary ? 'Switchover in progress\n' : 'Primary server is initializing\n') : '';
  return `${report.replicaCluster?.replica ? 'Replica Cluster Summary' : 'Cluster Summary'}\n${notice}${tabby(undefined, rows)}`;
}

function archivingState(a: NonNullable<InstanceStatusReport['archiving']>): string {
  const archived = parseTimestamp(a.lastArchivedTime);
  const failed = parseTimestamp(a.lastFailedTime);
  if (archived !== undefined && (failed === undefined || archived > failed)) return 'OK';
  if (a.lastFailedWal) return 'Failing';
  if (a.lastArchivedWal) return 'OK';
  return 'Starting Up';
}

function backupStatus(report: ClusterStatusReport, primary: InstanceStatusReport | undefined): string {
  const title = 'Continuous Backup status\n';
  if (!report.backupConfigured) return `${title}Not configured\n`;
  const rows: string[][] = [['First Point of Recoverability:', report.firstRecoverabilityPoint || 'Not Available']];
  if (primary === undefined) {
    rows.push(['No Primary instance found']);
  } else {
    const a = primary.archiving ?? {};
    const at = (wal: string | undefined, time: string | undefined): string => (wal ? `${wal} @ ${time ?? '-'}` : '-');
    rows.push(['Working WAL archiving:', archivingState(a)]);
    rows.push(['WALs waiting to be archived:', String(a.readyWalFiles ?? 0)]);
    rows.push(['Last Archived WAL:', at(a.lastArchivedWal, a.lastArchivedTime)]);
    rows.push(['Last Failed WAL:', at(a.lastFailedWal, a.lastFailedTime)]);
    if (a.failing && a.lastError) rows.push(['Archiving error:', a.lastError]);
    const r = primary.archiver;
    if (r) rows.push(['Archiver failures:', r.failedCount > 0 && r.lastFailedTime ? `${r.failedCount} (last @ ${r.lastFailedTime})` : String(r.failedCount)]);
  }
  return title + tabby(undefined, rows);
}

function replicationStatus(report: ClusterStatusReport, primary: InstanceStatusReport | undefined): string {
  const title = 'Streaming Replication status\n';
  if (report.instances === 1) return `${title}Not configured\n`;
  if (primary === undefined) return `${title}Primary instance not found\n`;
  const standbys = [...(primary.replication ?? [])].sort((a, b) => a.applicationName.localeCompare(b.applicationName, 'en', { numeric: true }));
  if (standbys.length === 0) return `${title}Not available yet\n`;
  const headers = ['Name', 'Sent LSN', 'Write LSN', 'Flush LSN', 'Replay LSN', 'Write Lag', 'Flush Lag', 'Replay Lag', 'State', 'Sync State', 'Sync Priority', 'Replication Slot'];
  const rows = standbys.map((r: Replication) => [
    r.applicationName,
    dash(r.sentLsn),
    dash(r.writeLsn),
    dash(r.flushLsn),
    dash(r.replayLsn),
    dash(r.writeLag),
    dash(r.flushLag),
    dash(r.replayLag),
    r.state,
    r.syncState,
    String(r.syncPriority),
    dash(r.slotName),
  ]);
  return title + tabby(headers, rows);
}

const SYNC_ROLES: Record<string, string> = {
  sync: 'Standby (sync)',
  quorum: 'Standby (quorum)',
  potential: 'Standby (potential sync)',
  async: 'Standby (async)',
};

export function replicationRole(instance: InstanceStatusReport, primary: InstanceStatusReport | undefined): string {
  if (instance.fenced) return 'Fenced';
  if (instance.isPrimary) return 'Primary';
  if (instance.designatedPrimary) return 'Designated primary';
  if (primary === undefined) return 'Unknown';
  const entry = primary.replication?.find((r) => r.applicationName === instance.name && r.state === 'streaming');
  if (entry !== undefined) return SYNC_ROLES[entry.syncState] ?? 'Unknown';
  if (!instance.ready) return 'Standby (starting up)';
  return 'Unknown';
}

/** Errors last, the primary first, then by name with serial numbers in numeric order. */
function instanceOrder(a: InstanceStatusReport, b: InstanceStatusReport): number {
  const rank = (i: InstanceStatusReport): number => (i.error !== undefined ? 2 : i.isPrimary ? 0 : 1);
  return rank(a) - rank(b) || a.name.localeCompare(b.name, 'en', { numeric: true });
}

/** Sizes as the plugin prints them: decimal units, one decimal below 10. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit > 0 && value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function instancesStatus(report: ClusterStatusReport, primary: InstanceStatusReport | undefined, verbose: number): string {
  // Columns from the exporters only when some instance's exporter answered.
  const sizes = report.instancesStatus.some((i) => i.databaseSizeBytes !== undefined);
  const metricsPorts = report.instancesStatus.some((i) => i.metricsPort !== undefined);
  const headers = ['Name', ...(sizes ? ['Database Size'] : []), 'Current LSN', 'Replication role', 'Status', 'Port', ...(metricsPorts ? ['Metrics'] : []), 'PID'];
  if (verbose > 0) headers.push('Timeline', 'System ID');
  const rows = [...report.instancesStatus].sort(instanceOrder).map((i) => {
    const size = sizes ? [i.databaseSizeBytes === undefined ? '-' : formatBytes(i.databaseSizeBytes)] : [];
    const metrics = metricsPorts ? [dash(i.metricsPort)] : [];
    const row =
      i.error !== undefined
        ? [i.name, ...size, '-', '-', i.error, dash(i.port), ...metrics, '-']
        : [
            i.name,
            ...size,
            dash(i.isPrimary ? i.currentLsn : i.replayLsn),
            replicationRole(i, primary),
            i.ready ? (i.pendingRestart ? 'OK (pending restart)' : 'OK') : 'Not ready',
            dash(i.port),
            ...metrics,
            dash(i.postmasterPid),
          ];
    if (verbose > 0) row.push(i.error !== undefined ? '-' : dash(i.timeLineID), i.error !== undefined ? '-' : dash(i.systemID));
    return row;
  });
  return `Instances status\n${tabby(headers, rows)}`;
}

function endpoints(report: ClusterStatusReport): string {
  if (report.endpoints.length === 0) return 'Endpoints\nNone\n';
  const path = report.endpointPath ? `Forwarding: ${report.endpointPath}\n` : '';
  return `Endpoints\n${path}${tabby(['Name', 'Address'], report.endpoints.map((e) => [e.name, `${e.host}:${e.port}`]))}`;
}

function poolers(report: ClusterStatusReport): string | undefined {
  if (report.poolers === undefined || report.poolers.length === 0) return undefined;
  const summary = tabby(
    ['Name', 'Type', 'Mode', 'Instances', 'Ready', 'Paused', 'Address', 'Status'],
    report.poolers.map((p) => [p.name, p.type, p.poolMode, `${p.running}/${p.instances}`, String(p.ready), p.paused ? 'yes' : 'no', p.address ?? '-', p.phaseReason ? `${p.phase ?? '-'}: ${p.phaseReason}` : (p.phase ?? '-')]),
  );
  const instances = tabby(
    ['Pooler instance', 'Ready', 'Paused', 'PgBouncer PID', 'Metrics port'],
    report.poolers.flatMap((p) => p.instancesStatus.map((i) => [i.name, i.ready ? 'yes' : 'no', i.paused ? 'yes' : 'no', dash(i.pid), dash(i.metricsPort)])),
  );
  return `Poolers\n${summary}\n${instances}`;
}

/** The text of `cnpg status NAME`; sections end with a blank line, as in the plugin. */
export function renderClusterStatus(report: ClusterStatusReport, opts: ClusterStatusOptions): string {
  const primary = findPrimary(report);
  return [
    clusterSummary(report, primary, opts.now),
    report.replicaCluster && tokenSections(report.replicaCluster),
    backupStatus(report, primary),
    replicationStatus(report, primary),
    report.failureDomains && failureDomainsSection(report.failureDomains),
    instancesStatus(report, primary, opts.verbose),
    endpoints(report),
    poolers(report),
  ]
    .filter((section) => section !== undefined)
    .map((section) => `${section}\n`)
    .join('');
}

/** `cnpg status NAME -o json`: the report itself, two-space indented. */
export function renderClusterStatusJson(report: ClusterStatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
