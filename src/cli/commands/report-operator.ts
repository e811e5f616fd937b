// `report operator`: a zip about the operator itself, laid out as CloudNativePG's plugin lays it
// out (report_operator_YYYYMMDD_hhmmss/manifests/…, operator-logs/…), with every secret value cut
// out as in `report cluster`. On Kubernetes: its Deployment, Pods, the events of its namespace, the
// webhook configurations and Service, and its namespace's Secrets (keys only) and ConfigMaps; locally:
// the control plane's process and home (never its token), the namespace's Clusters and their events.
import type { KubeObject } from '../../api/meta.js';
import { readDaemonState } from '../../platform/local/daemon.js';
import type { DaemonClient } from '../client.js';
import { list, manifest, redactSecret, scrub, secretValues, type ReportFile } from './report-content.js';
import { readLog, writeReport, type LogRequest, type ReportOptions } from './report.js';

export interface OperatorReportParts {
  /** Manifest files by name (deployment, operator-pods, events, …), in the order written. */
  manifests: Array<{ name: string; object: unknown }>;
  /** Secrets to include, keys only; their values and those of namespaceSecrets are cut out of every file. */
  secrets: KubeObject[];
  namespaceSecrets: KubeObject[];
  /** Other values no file may show (the local control plane's token). */
  hidden?: string[];
  logs?: Array<{ name: string; text: string }>;
}

export type OperatorReportSource = (want: LogRequest) => Promise<OperatorReportParts>;

export function operatorReportFiles(parts: OperatorReportParts, format: 'yaml' | 'json', folder: string): ReportFile[] {
  const files: ReportFile[] = [
    ...parts.manifests.map((m) => ({ path: `${folder}/manifests/${m.name}.${format}`, content: manifest(m.object, format) })),
    ...(parts.secrets.length ? [{ path: `${folder}/manifests/secrets.${format}`, content: manifest(list(parts.secrets.map(redactSecret)), format) }] : []),
    ...(parts.logs ?? []).map((l) => ({ path: `${folder}/operator-logs/${l.name}`, content: l.text })),
  ];
  const values = [...secretValues([...parts.secrets, ...parts.namespaceSecrets]), ...(parts.hidden ?? [])].sort((a, b) => b.length - a.length);
  return files.map((f) => ({ ...f, content: scrub(f.content, values) }));
}

export function reportOperator(source: OperatorReportSource, o: ReportOptions): Promise<string> {
  const want = { logs: o.logs === true, timestamps: o.timestamps === true };
  return writeReport('operator', undefined, o, async (format, folder) => operatorReportFiles(await source(want), format, folder));
}

/** The local control plane: its process and home, the namespace's Clusters with their events, and (-l) its log. */
export function daemonOperatorReportSource(client: DaemonClient, version: string, namespace = 'default'): OperatorReportSource {
  return async (want) => {
    const state = readDaemonState(client.home) ?? { pid: undefined, port: undefined, token: undefined };
    const [clusters, secrets] = await Promise.all([client.list('Cluster', namespace), client.list('Secret', namespace)]);
    const events = await Promise.all(
      clusters.map(async (c) => (await client.request<{ items: KubeObject[] }>('GET', '/events', { namespace, kind: 'Cluster', name: c.metadata.name })).items),
    );
    const operator = {
      apiVersion: 'v1',
      kind: 'LocalOperator',
      metadata: { name: 'cnpg-ts' },
      status: { version, pid: state.pid, apiPort: state.port, home: client.home.root, runsAsRoot: client.home.asRoot, log: client.home.daemonLog },
    };
    return {
      manifests: [
        { name: 'operator', object: operator },
        { name: 'clusters', object: list(clusters) },
        { name: 'events', object: list(events.flat()) },
      ],
      secrets: [],
      namespaceSecrets: secrets,
      hidden: state.token ? [state.token] : [],
      ...(want.logs ? { logs: [{ name: 'operator.jsonl', text: readLog(client.home.daemonLog, want.timestamps) }] } : {}),
    };
  };
}
