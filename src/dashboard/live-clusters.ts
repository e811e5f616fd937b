// Sampling of the Clusters someone is watching: one timer per watched Cluster, whatever the number
// of pages open on it, so viewers do not multiply the load on the instances. A Cluster nobody
// watches is no longer sampled; its history is dropped once it is older than the charts show.
import { chartSample, type Watcher } from './stream.js';
import { readingOf, SampleHistory } from './chart-series.js';
import { clusterView, metricsByInstance } from './view-model.js';
import type { DashboardSource } from './source.js';
import type { ChartSample, ClusterView } from './view.js';

export interface LiveOptions {
  sampleMs: number;
  historySeconds: number;
}

interface Watch {
  history: SampleHistory;
  watchers: Set<Watcher>;
  timer?: NodeJS.Timeout;
  busy: boolean;
  ready?: Promise<boolean>;
  last?: ClusterView;
  idleSince?: number;
}

export class LiveClusters {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly source: DashboardSource,
    private readonly options: LiveOptions,
  ) {}

  /** Starts sending one Cluster to a watcher: first its history and view, then every new sample; false when there is no such Cluster. */
  async watch(namespace: string, name: string, watcher: Watcher): Promise<boolean> {
    const key = `${namespace}/${name}`;
    let w = this.watches.get(key);
    if (!w) {
      w = { history: new SampleHistory(this.options.historySeconds), watchers: new Set(), busy: false };
      this.watches.set(key, w);
    }
    // Pages opening at once share the first reading.
    if (!w.timer) w.ready = this.sample(namespace, name, w);
    this.tick(namespace, name, w);
    if (!(await w.ready) || !w.last) return false;
    w.watchers.add(watcher);
    w.idleSince = undefined;
    this.tick(namespace, name, w);
    watcher.send({ view: w.last, samples: w.history.all(), history: true });
    return true;
  }

  private tick(namespace: string, name: string, w: Watch): void {
    w.timer ??= setInterval(() => void this.sample(namespace, name, w), this.options.sampleMs);
  }

  unwatch(namespace: string, name: string, watcher: Watcher): void {
    const w = this.watches.get(`${namespace}/${name}`);
    if (!w) return;
    w.watchers.delete(watcher);
    if (w.watchers.size === 0) {
      clearInterval(w.timer);
      w.timer = undefined;
      w.idleSince = Date.now();
    }
    this.forgetIdle();
  }

  private forgetIdle(): void {
    const cutoff = Date.now() - this.options.historySeconds * 1000;
    for (const [key, w] of this.watches) if (w.idleSince !== undefined && w.idleSince < cutoff) this.watches.delete(key);
  }

  /** One reading; false when the Cluster is gone. A reading that fails is told to the watchers and retried at the next tick. */
  private async sample(namespace: string, name: string, w: Watch): Promise<boolean> {
    if (w.busy) return true;
    w.busy = true;
    try {
      const snapshot = await this.source.snapshot(namespace, name);
      if (!snapshot) {
        for (const watcher of w.watchers) watcher.gone();
        clearInterval(w.timer);
        this.watches.delete(`${namespace}/${name}`);
        return false;
      }
      const view = clusterView(snapshot);
      const sample: ChartSample = w.history.add(readingOf(view, metricsByInstance(snapshot)));
      w.last = view;
      for (const watcher of w.watchers) watcher.send(chartSample(view, sample));
      return true;
    } catch (e) {
      for (const watcher of w.watchers) watcher.problem((e as Error).message);
      return w.last !== undefined;
    } finally {
      w.busy = false;
    }
  }

  close(): void {
    for (const w of this.watches.values()) {
      clearInterval(w.timer);
      for (const watcher of w.watchers) watcher.close();
    }
    this.watches.clear();
  }
}
