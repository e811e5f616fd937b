// What `report cluster NAME` puts in its zip, laid out as CloudNativePG's plugin lays it out
// (report_cluster_NAME_YYYYMMDD_hhmmss/manifests/…, logs/…), with no secret in it: Secrets keep
// their keys with empty values, as the plugin's redactor leaves them, and every secret value is
// then cut out of every file (a log line or an event quoting a password included).
import { stringify } from 'yaml';
import type { KubeObject } from '../../api/meta.js';
import { decodeData } from '../../operator/secrets.js';

export const REDACTED = '[REDACTED]';
/** Shorter values are everywhere in a report and would redact it into noise. */
const MIN_REDACTED_LENGTH = 6;
/** Keys whose values are no secret and appear all over a report (a user name in every pg_hba line). */
const PUBLIC_KEYS = new Set(['username', 'user', 'dbname', 'host', 'port', 'tls.crt', 'ca.crt']);

export interface ClusterReportParts {
  cluster: KubeObject;
  pods: KubeObject[];
  jobs: KubeObject[];
  pvcs: KubeObject[];
  events: KubeObject[];
  /** The Cluster's Secrets, as stored: only their keys reach the zip. */
  secrets: KubeObject[];
  /** Every Secret of the namespace: no value any of them holds reaches the zip (a role's password Secret has no Cluster label). */
  namespaceSecrets: KubeObject[];
  /** The operator's view: `status NAME` as text and as JSON. */
  statusText: string;
  statusJson: string;
  /** Each instance's (and job's) log files, and the operator's lines about this Cluster; only with --logs. */
  logs?: Array<{ name: string; text: string }>;
  operatorLog?: string;
}

export interface ReportFile {
  path: string;
  content: string;
}

/** report_<kind>_<name>_YYYYMMDD_hhmmss (report_operator_YYYYMMDD_hhmmss: no name), in UTC, as the plugin names it. */
export function reportName(kind: string, name: string | undefined, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return name === undefined ? `report_${kind}_${stamp}` : `report_${kind}_${name}_${stamp}`;
}

export function redactSecret(secret: KubeObject): KubeObject {
  const keys = (field: unknown) => (field && typeof field === 'object' ? Object.fromEntries(Object.keys(field).map((k) => [k, ''])) : undefined);
  const { data, stringData, ...rest } = secret as KubeObject & { data?: unknown; stringData?: unknown };
  const annotations = { ...(secret.metadata.annotations ?? {}) };
  // kubectl apply keeps the whole object, values included, in this annotation.
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return { ...rest, metadata: { ...secret.metadata, annotations }, ...(data ? { data: keys(data) } : {}), ...(stringData ? { stringData: keys(stringData) } : {}) } as KubeObject;
}

/** Every value the Secrets hold, as written and in base64, longest first so that no part of one is left behind. */
export function secretValues(secrets: readonly KubeObject[]): string[] {
  const values = new Set<string>();
  for (const s of secrets) {
    for (const [k, v] of Object.entries(decodeData(s))) {
      if (PUBLIC_KEYS.has(k)) continue;
      for (const line of [v, ...v.split('\n')]) {
        const t = line.trim();
        if (t.length >= MIN_REDACTED_LENGTH) values.add(t);
      }
      if (v.length >= MIN_REDACTED_LENGTH) values.add(Buffer.from(v, 'utf8').toString('base64'));
    }
    for (const [k, v] of Object.entries((s as { data?: Record<string, string> }).data ?? {})) if (!PUBLIC_KEYS.has(k) && v.length >= MIN_REDACTED_LENGTH) values.add(v);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) out = out.split(v).join(REDACTED);
  return out;
}

export function manifest(obj: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj);
}

export const list = (items: KubeObject[]) => ({ apiVersion: 'v1', kind: 'List', items });

export function clusterReportFiles(parts: ClusterReportParts, format: 'yaml' | 'json', folder: string): ReportFile[] {
  const m = (name: string, obj: unknown): ReportFile => ({ path: `${folder}/manifests/${name}.${format}`, content: manifest(obj, format) });
  const files: ReportFile[] = [
    m('cluster', parts.cluster),
    m('cluster-pods', list(parts.pods)),
    m('cluster-jobs', list(parts.jobs)),
    m('events', list(parts.events)),
    m('cluster-pvcs', list(parts.pvcs)),
    m('cluster-secrets', list(parts.secrets.map(redactSecret))),
    { path: `${folder}/status/status.txt`, content: parts.statusText },
    { path: `${folder}/status/status.json`, content: parts.statusJson },
    ...(parts.logs ?? []).map((l) => ({ path: `${folder}/logs/${l.name}`, content: l.text })),
    ...(parts.operatorLog !== undefined ? [{ path: `${folder}/operator-logs/operator.jsonl`, content: parts.operatorLog }] : []),
  ];
  const values = secretValues([...parts.secrets, ...parts.namespaceSecrets]);
  return files.map((f) => ({ ...f, content: scrub(f.content, values) }));
}
