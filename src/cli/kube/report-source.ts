// `kubectl cnpg report cluster NAME`: the parts of the report from the API server (the objects
// labelled with the Cluster, the namespace's events, the containers' logs, the operator's lines
// about the Cluster) and the status the plugin prints.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import type { ClusterReportParts } from '../commands/report-content.js';
import { operatorLinesAbout, statusParts, type ReportSource } from '../commands/report.js';
import { kubeClusterReport } from './commands.js';
import type { KubeConnection } from './connection.js';

const asObject = (o: unknown) => ({ apiVersion: 'v1', kind: 'Pod', ...(o as object) }) as KubeObject;

/** Every container's log of the Pods, one file each; `timestamps`: the kubelet's, before each line. */
export async function podLogs(conn: KubeConnection, pods: V1Pod[], timestamps: boolean): Promise<Array<{ name: string; text: string }>> {
  const each = pods.flatMap((p) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => ({ namespace: p.metadata?.namespace ?? conn.namespace, pod: p.metadata?.name ?? '', container: c.name })));
  return Promise.all(each.map(async (c) => ({ name: `${c.pod}-${c.container}.jsonl`, text: await conn.containerLog(c.namespace, c.pod, c.container, timestamps) })));
}

export function kubeReportSource(conn: KubeConnection): ReportSource {
  return async (cluster, want) => {
    const [report, objects] = await Promise.all([kubeClusterReport(conn, cluster), conn.clusterObjects(cluster)]);
    const parts: ClusterReportParts = {
      cluster: report.cluster,
      pods: objects.pods.map(asObject),
      jobs: objects.jobs,
      pvcs: objects.pvcs.map((p) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...(p as object) }) as KubeObject),
      events: objects.events,
      secrets: objects.secrets.filter((s) => s.metadata.labels?.[LABELS.cluster] === cluster),
      namespaceSecrets: objects.secrets,
      ...statusParts(report),
    };
    if (!want.logs) return parts;
    parts.logs = await podLogs(conn, objects.pods, want.timestamps);
    const operatorLogs = await podLogs(conn, await conn.operatorPods(), want.timestamps);
    parts.operatorLog = operatorLinesAbout(operatorLogs.map((l) => l.text).join('\n'), conn.namespace, cluster);
    return parts;
  };
}
