// The live dashboard's view of the local control plane: stored objects from the store, instances
// as the operator observes them, and each instance's exporter where it has one.
import type { StoredBackup } from '../../api/backup.js';
import type { StoredCluster } from '../../api/cluster-status.js';
import type { ClusterSnapshot, DashboardSource, MetricsText, SourceEvent } from '../../dashboard/source.js';
import type { ControlPlane } from './control-plane.js';
import type { EventObject } from './events.js';

/** A scrape the page waits for: an exporter slower than this shows no rates for that sample. */
const METRICS_TIMEOUT_MS = 1000;

async function scrape(port: number | undefined): Promise<MetricsText> {
  if (!port) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

const sourceEvent = (e: EventObject): SourceEvent => ({ type: e.type, reason: e.reason, message: e.message, time: e.lastTimestamp, count: e.count, involvedObject: e.involvedObject });

export class LocalDashboardSource implements DashboardSource {
  constructor(private readonly d: Pick<ControlPlane, 'store' | 'instances' | 'events'>) {}

  async annotateCluster(namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
    await this.d.store.patchMetadata('Cluster', namespace, name, { annotations });
  }

  async listClusters(): Promise<StoredCluster[]> {
    return this.d.store.listSync('Cluster') as StoredCluster[];
  }

  async snapshot(namespace: string, name: string): Promise<ClusterSnapshot | undefined> {
    const cluster = this.d.store.getSync('Cluster', namespace, name) as StoredCluster | undefined;
    if (!cluster) return undefined;
    const backups = this.d.store.listSync('Backup', namespace, (b) => (b as StoredBackup).spec.cluster.name === name) as StoredBackup[];
    const events = [this.d.events.eventsFor(namespace, 'Cluster', name), ...backups.map((b) => this.d.events.eventsFor(namespace, 'Backup', b.metadata.name))].flat();
    // The metrics port is recorded once the platform allocates one (issue 14's exporter).
    const records = this.d.instances.records(namespace, name).map(({ record }) => record);
    const [instances, texts] = await Promise.all([this.d.instances.observe(cluster), Promise.all(records.map((r) => scrape(r.metricsPort)))]);
    return { cluster, instances, backups, events: events.map(sourceEvent), metrics: Object.fromEntries(records.map((r, i) => [r.name, texts[i]])), now: new Date() };
  }
}
