// `report cluster NAME`: a zip for troubleshooting (report-content.ts says what is in it), from
// the local control plane or from the API server, written only where no file is yet.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ZipFile } from 'yazl';
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import { CliError, type DaemonClient } from '../client.js';
import { renderClusterStatus, renderClusterStatusJson } from '../format/status.js';
import { prependTimestamps } from './log-timestamps.js';
import { clusterReportFiles, reportName, type ClusterReportParts, type ReportFile } from './report-content.js';
import { buildStatusReport, type Report } from './status.js';

export interface ReportOptions {
  file?: string;
  output: string;
  logs?: boolean;
  /** -t/--timestamps: a human-readable timestamp before each log line. */
  timestamps?: boolean;
}

/** What to take from a platform: logs only when asked for, with timestamps when asked for. */
export interface LogRequest {
  logs: boolean;
  timestamps: boolean;
}

/** Where the parts of a report come from on a platform. */
export type ReportSource = (cluster: string, want: LogRequest) => Promise<ClusterReportParts>;

export function statusParts(r: Report): Pick<ClusterReportParts, 'statusText' | 'statusJson'> {
  const status = buildStatusReport(r);
  return { statusText: renderClusterStatus(status, { verbose: 1, now: new Date() }), statusJson: renderClusterStatusJson(status) };
}

/** The operator's log lines that name the Cluster (its key, or its name as a field). */
export function operatorLinesAbout(text: string, namespace: string, cluster: string): string {
  const mentions = [`${namespace}/${cluster}`, `"${cluster}"`, ` ${cluster} `, ` ${cluster}-`];
  return text
    .split('\n')
    .filter((line) => mentions.some((m) => line.includes(m)))
    .map((line) => `${line}\n`)
    .join('');
}

function zipBuffer(files: ReportFile[], folder: string): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = new Date();
  zip.addEmptyDirectory(folder, { mtime });
  for (const f of files) zip.addBuffer(Buffer.from(f.content, 'utf8'), f.path, { mtime, mode: 0o600 });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Checks the options, gathers the files (`files(format, folder)`) and writes the zip where no file
 * is yet; `kind`/`name` name the folder inside and the default file, as the plugin does.
 */
export async function writeReport(kind: string, name: string | undefined, o: ReportOptions, files: (format: 'yaml' | 'json', folder: string) => Promise<ReportFile[]>): Promise<string> {
  const format = o.output;
  if (format !== 'yaml' && format !== 'json') throw new CliError(`error: --output: "${o.output}" is not a manifest format (allowed: yaml, json)`);
  const folder = reportName(kind, name, new Date());
  const file = o.file ?? `${folder}.zip`;
  if (existsSync(file)) throw new CliError(`error: --file: ${file} already exists; it is not overwritten (name another file with -f)`);
  const zip = await zipBuffer(await files(format, folder), folder);
  // Created here and only here (wx): a file that appeared meanwhile is not overwritten either.
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    throw new CliError(`error: --file: cannot create ${file}: ${(e as Error).message}`);
  }
  await writeFile(file, zip);
  return `Successfully written report to "${file}" (format: "${format}")\n`;
}

export function reportCluster(source: ReportSource, cluster: string, o: ReportOptions): Promise<string> {
  const want = { logs: o.logs === true, timestamps: o.timestamps === true };
  return writeReport('cluster', cluster, o, async (format, folder) => clusterReportFiles(await source(cluster, want), format, folder));
}

/** A local log file as the report carries it. */
export function readLog(file: string, timestamps: boolean): string {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return timestamps ? prependTimestamps(text) : text;
}

/** The local control plane's view: its objects, the instances' log files and the operator's log. */
export function daemonReportSource(client: DaemonClient, namespace = 'default'): ReportSource {
  return async (cluster, want) => {
    const obj = await client.get('Cluster', namespace, cluster);
    const ofCluster = (o: KubeObject) => o.metadata.labels?.[LABELS.cluster] === cluster;
    const [pods, pvcs, secrets, events, report] = await Promise.all([
      client.list('Pod', namespace),
      client.list('PersistentVolumeClaim', namespace),
      client.list('Secret', namespace),
      client.request<{ items: KubeObject[] }>('GET', '/events', { namespace, kind: 'Cluster', name: cluster }),
      client.request<Report>('GET', '/cluster-report', { namespace, name: cluster }),
    ]);
    const parts: ClusterReportParts = {
      cluster: obj,
      pods: pods.filter(ofCluster),
      jobs: [],
      pvcs: pvcs.filter(ofCluster),
      events: events.items,
      secrets: secrets.filter(ofCluster),
      namespaceSecrets: secrets,
      ...statusParts(report),
    };
    if (!want.logs) return parts;
    const { items } = await client.request<{ items: Array<{ instance: string; files: string[] }> }>('GET', '/logs', { namespace, cluster });
    parts.logs = items.flatMap((i) => i.files.map((f) => ({ name: `${i.instance}-${f.slice(f.lastIndexOf('/') + 1)}`, text: readLog(f, want.timestamps) })));
    parts.operatorLog = operatorLinesAbout(readLog(client.home.daemonLog, want.timestamps), namespace, cluster);
    return parts;
  };
}
