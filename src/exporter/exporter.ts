// The metrics exporter of one instance: each scrape reports the cnpg_collector_* family and the
// user queries' metrics. User query results are kept for queriesTtlSeconds, and scrapes that
// arrive while a collection runs share it, so several scrapers do not multiply the load.
import { addClusterFacts, addInstanceMetrics, COLLECTOR, readInstanceFacts, type CollectorErrors, type InstanceFacts } from './builtin.js';
import { MetricsConnections, type ExporterSocket } from './connections.js';
import { FamilySet, type Family } from './family.js';
import { METRIC_PREFIX } from './query-results.js';
import { MetricsRenderer } from './render.js';
import type { ExporterSettings } from './settings.js';
import { runUserQueries, type UserQueryOutcome } from './user-queries.js';

/** CloudNativePG's label for the user queries' part of a collection. */
const USER_QUERIES_COLLECTOR = `Collect.${METRIC_PREFIX}`;

interface CachedQueries {
  outcome: UserQueryOutcome;
  /** What the results depend on: the queries and the instance's role and version. */
  key: string;
  at: number;
}

export class Exporter {
  private readonly conns: MetricsConnections;
  private readonly renderer = new MetricsRenderer();
  private collections = 0;
  private readonly errorCounts = new Map<string, number>();
  private cached?: CachedQueries;
  private cacheHits = 0;
  private cacheMiss = 0;
  private inFlight?: Promise<Family[]>;

  constructor(
    socket: () => ExporterSocket,
    private readonly settings: () => ExporterSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.conns = new MetricsConnections(socket);
  }

  get contentType(): string {
    return this.renderer.contentType;
  }

  /** The Prometheus text for one scrape. */
  async metrics(): Promise<string> {
    return this.renderer.render(await this.collect());
  }

  /** One collection at a time; a scrape arriving meanwhile gets the running one's result. */
  collect(): Promise<Family[]> {
    this.inFlight ??= this.collectOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  close(): Promise<void> {
    return this.conns.close();
  }

  private async collectOnce(): Promise<Family[]> {
    const settings = this.settings();
    const out = new FamilySet();
    const errors: CollectorErrors = new Map();
    const durations = new Map<string, number>();
    this.collections++;
    addClusterFacts(out, settings);

    let started = performance.now();
    let instance: InstanceFacts | undefined;
    try {
      instance = await readInstanceFacts(this.conns, settings.defaultDatabase);
    } catch (e) {
      errors.set('Collect.up', (e as Error).message);
    }
    durations.set('Collect.up', (performance.now() - started) / 1000);
    let userQueries: UserQueryOutcome | undefined;
    if (instance) {
      await addInstanceMetrics(out, this.conns, settings, instance, errors);
      started = performance.now();
      userQueries = await this.userQueries(settings, instance);
      durations.set(USER_QUERIES_COLLECTOR, (performance.now() - started) / 1000);
      if (userQueries.errors.length > 0) errors.set(USER_QUERIES_COLLECTOR, userQueries.errors.join('; '));
    }
    for (const label of errors.keys()) if (label !== 'Collect.up') this.errorCounts.set(label, (this.errorCounts.get(label) ?? 0) + 1);
    this.addSelfMetrics(out, settings, instance !== undefined, errors, durations, userQueries);
    if (userQueries) out.merge(userQueries.families.families);
    return out.families;
  }

  private async userQueries(settings: ExporterSettings, instance: InstanceFacts): Promise<UserQueryOutcome> {
    const { queries, queriesTtlSeconds } = settings.monitoring;
    const key = JSON.stringify([instance.isPrimary, instance.version, settings.defaultDatabase, queries]);
    const c = this.cached;
    if (c && c.key === key && queriesTtlSeconds > 0 && this.now() - c.at < queriesTtlSeconds * 1000) {
      this.cacheHits++;
      this.cacheMiss = 0;
      return c.outcome;
    }
    const outcome = await runUserQueries(this.conns, queries, instance, settings.defaultDatabase);
    this.cached = { outcome, key, at: this.now() };
    this.cacheHits = 0;
    this.cacheMiss = 1;
    return outcome;
  }

  private addSelfMetrics(out: FamilySet, settings: ExporterSettings, up: boolean, errors: CollectorErrors, durations: Map<string, number>, userQueries: UserQueryOutcome | undefined): void {
    const c = (name: string, help: string, type: 'gauge' | 'counter', value: number, labels: Record<string, string> = {}) => out.add(name, help, type, { labels, value });
    c(`${COLLECTOR}_up`, '1 if PostgreSQL is up, 0 otherwise', 'gauge', up ? 1 : 0, { cluster: settings.cluster });
    c(`${COLLECTOR}_collections_total`, 'Total number of times PostgreSQL was accessed for metrics', 'counter', this.collections);
    out.family(`${COLLECTOR}_collection_errors_total`, 'Total errors occurred accessing PostgreSQL for metrics', 'counter');
    for (const [collector, n] of this.errorCounts) c(`${COLLECTOR}_collection_errors_total`, '', 'counter', n, { collector });
    c(`${COLLECTOR}_last_collection_error`, '1 if the last collection ended with error, 0 otherwise', 'gauge', errors.size > 0 ? 1 : 0);
    out.family(`${COLLECTOR}_collection_duration_seconds`, 'Collection time duration in seconds', 'gauge');
    for (const [collector, seconds] of durations) c(`${COLLECTOR}_collection_duration_seconds`, '', 'gauge', seconds, { collector });
    // The user queries' own figures, as CloudNativePG's query collector reports them (namespace cnpg).
    const failures = new Map<string, number>();
    for (const e of userQueries?.errors ?? []) failures.set(e, (failures.get(e) ?? 0) + 1);
    out.family(`${METRIC_PREFIX}_errors_total`, 'Errors of the user queries in their last run, by query', 'counter');
    for (const [label, n] of failures) c(`${METRIC_PREFIX}_errors_total`, '', 'counter', n, { errorUserQueries: label });
    c(`${METRIC_PREFIX}_last_error`, '1 if the last run of the user queries had an error, 0 otherwise', 'gauge', failures.size > 0 ? 1 : 0);
    c(`${METRIC_PREFIX}_last_update_timestamp`, 'Unix time of the last run of the user queries', 'gauge', this.cached ? Math.floor(this.cached.at / 1000) : 0);
    c(`${METRIC_PREFIX}_cache_hits`, 'Scrapes served from the cached user query results since they were last computed', 'gauge', this.cacheHits);
    c(`${METRIC_PREFIX}_cache_miss`, '1 if the last scrape computed the user queries afresh, 0 if it used the cache', 'gauge', this.cacheMiss);
  }
}
