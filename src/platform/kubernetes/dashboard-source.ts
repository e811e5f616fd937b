// The live dashboard's view on Kubernetes: objects read from the API server (no cache, so every
// operator replica can serve it, the leader or not), instances observed as the controllers observe
// them, Events listed, and each Pod's exporter on its metrics port.
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { StoredBackup } from '../../api/backup.js';
import type { Cluster } from '../../api/index.js';
import type { StoredCluster } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { LABELS, METRICS_PORT } from '../../api/names.js';
import type { ClusterSnapshot, DashboardSource, MetricsText, SourceEvent } from '../../dashboard/source.js';
import type { InstanceRuntime, ResourceStore } from '../../operator/platform.js';

const METRICS_TIMEOUT_MS = 1000;

async function scrape(podIP: string | undefined): Promise<MetricsText> {
  if (!podIP) return undefined;
  try {
    const res = await fetch(`http://${podIP.includes(':') ? `[${podIP}]` : podIP}:${METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

const when = (t: Date | string | undefined): string => (t === undefined ? '' : t instanceof Date ? t.toISOString() : String(t));

function sourceEvent(e: CoreV1Event): SourceEvent {
  return {
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    time: when(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp),
    count: e.count ?? 1,
    involvedObject: { kind: e.involvedObject.kind ?? '', name: e.involvedObject.name ?? '' },
  };
}

export class KubeDashboardSource implements DashboardSource {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly store: ResourceStore,
    private readonly instances: InstanceRuntime,
    /** Empty: every namespace. */
    private readonly namespaces: string[],
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async listClusters(): Promise<StoredCluster[]> {
    const lists = this.namespaces.length === 0 ? [await this.store.list('Cluster')] : await Promise.all(this.namespaces.map((ns) => this.store.list('Cluster', ns)));
    return lists.flat() as StoredCluster[];
  }

  private async events(namespace: string, kind: string, name?: string): Promise<CoreV1Event[]> {
    const fieldSelector = `involvedObject.kind=${kind}${name ? `,involvedObject.name=${name}` : ''}`;
    return (await this.core.listNamespacedEvent({ namespace, fieldSelector })).items;
  }

  async snapshot(namespace: string, name: string): Promise<ClusterSnapshot | undefined> {
    if (this.namespaces.length > 0 && !this.namespaces.includes(namespace)) return undefined;
    const cluster = (await this.store.get('Cluster', namespace, name)) as StoredCluster | undefined;
    if (!cluster) return undefined;
    const [backups, pods, clusterEvents, backupEvents, instances] = await Promise.all([
      this.store.list('Backup', namespace).then((all) => (all as StoredBackup[]).filter((b) => b.spec.cluster.name === name)),
      this.store.list('Pod', namespace, { [LABELS.cluster]: name, [LABELS.podRole]: 'instance' }),
      this.events(namespace, 'Cluster', name),
      this.events(namespace, 'Backup'),
      this.instances.observe(cluster as Cluster),
    ]);
    const mine = new Set(backups.map((b) => b.metadata.name));
    const events = [...clusterEvents, ...backupEvents.filter((e) => mine.has(e.involvedObject.name ?? ''))].map(sourceEvent);
    const podIP = (p: KubeObject) => (p as { status?: { podIP?: string } }).status?.podIP;
    const texts = await Promise.all(pods.map((p) => scrape(podIP(p))));
    return { cluster, instances, backups, events, metrics: Object.fromEntries(pods.map((p, i) => [p.metadata.name, texts[i]])), now: new Date() };
  }
}
