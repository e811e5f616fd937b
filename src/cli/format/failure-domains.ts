// `cnpg status`: the Failure Domain Topology section, as the plugin prints it while
// spec.postgresql.synchronous.podFailureDomainKeys or nodeFailureDomainKeys is set.
import type { ClusterStatus, StoredCluster as Cluster } from '../../api/cluster-status.js';
import { tabwrite } from './tabwriter.js';

export interface FailureDomainsReport {
  keys: string[];
  /** Each instance's values for the keys; absent when they could not be read. */
  instances?: Record<string, Record<string, string>>;
  primary?: string;
  /** Instances not ready, marked in the table: they cannot be chosen as synchronous standbys. */
  notReady: string[];
  condition?: { status: string; reason: string; message: string };
}

export function failureDomainsReport(cluster: Cluster, status: ClusterStatus, ready: (name: string) => boolean): FailureDomainsReport | undefined {
  const sync = cluster.spec.postgresql?.synchronous;
  const keys = sync?.podFailureDomainKeys?.length ? sync.podFailureDomainKeys : (sync?.nodeFailureDomainKeys ?? []);
  if (keys.length === 0) return undefined;
  const instances = status.topology?.instances;
  const condition = status.conditions?.find((c) => c.type === 'SyncReplicationTopologySatisfied');
  return {
    keys,
    ...(instances ? { instances } : {}),
    primary: status.currentPrimary,
    notReady: Object.keys(instances ?? {}).filter((n) => !ready(n)),
    ...(condition ? { condition: { status: condition.status, reason: condition.reason, message: condition.message } } : {}),
  };
}

const shown = (value: string | undefined) => (value ? value : '<empty>');

export function failureDomainsSection(report: FailureDomainsReport): string {
  const lines = ['Failure Domain Topology'];
  const names = Object.keys(report.instances ?? {}).sort();
  if (!report.instances) lines.push('Topology labels could not be extracted from pods or nodes');
  else if (names.length === 0) lines.push('No topology information available yet');
  else {
    const groups = new Map<string, { display: string; instances: string[]; primary: boolean }>();
    for (const name of names) {
      const values = report.keys.map((k) => report.instances![name]![k]);
      const display = report.keys.length === 1 ? shown(values[0]) : report.keys.map((k, i) => `${k}=${shown(values[i])}`).join(', ');
      const group = groups.get(display) ?? { display, instances: [], primary: false };
      group.instances.push(report.notReady.includes(name) ? `${name} (not ready)` : name);
      group.primary ||= name === report.primary;
      groups.set(display, group);
    }
    const header = [report.keys.length === 1 ? report.keys[0]! : 'Domain', 'Instances', 'Primary Domain'];
    const rows = [...groups.values()].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0)).map((g) => [g.display, g.instances.join(', '), g.primary ? 'Yes' : 'No']);
    lines.push(tabwrite(`${[header, ...rows].map((r) => r.join('\t')).join('\n')}\n`, { minWidth: 0, padding: 2 }).trimEnd());
  }
  const c = report.condition;
  if (c) lines.push(c.status === 'True' ? `Constraint: ${c.status} (${c.reason})` : `Constraint: ${c.status} (${c.reason}) - ${c.message}`);
  return `${lines.join('\n')}\n`;
}
