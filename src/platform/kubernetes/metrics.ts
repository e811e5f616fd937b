// The operator's own /metrics, under controller-runtime's names (what CloudNativePG's operator
// exposes, so its dashboards and alerts read ours), plus the count of Clusters it manages.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredBackup } from '../../api/backup.js';
import { verificationMetricsText } from '../../operator/verification-metrics.js';

export type ReconcileResult = 'success' | 'error' | 'requeue_after';

export interface MetricSources {
  isLeader(): boolean;
  /** Keys waiting for a worker; 0 on a replica that is not leading. */
  queueDepth(): number;
  managedClusters(): number;
  /** The Backups this operator watches: the restore-drill metrics come from their status (operator/verification-metrics.ts). */
  backups?(): StoredBackup[];
}

/** controller-runtime's webhook metrics: `webhook` is the request path, `code` the HTTP status answered. */
export interface WebhookMetrics {
  /** Counts a request in flight; the returned function ends it with the status code answered. */
  started(webhook: string): (code: number) => void;
}

export class OperatorMetrics implements WebhookMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'controller' | 'result'>;
  private readonly errors: Counter<'controller'>;
  private readonly durations: Histogram<'controller'>;
  private readonly webhookRequests: Counter<'code' | 'webhook'>;
  private readonly webhookInFlight: Gauge<'webhook'>;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.reconciles = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
    this.errors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
    this.durations = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10, 30, 60],
      registers,
    });
    this.webhookRequests = new Counter({ name: 'controller_runtime_webhook_requests_total', help: 'Total number of admission requests by HTTP status code.', labelNames: ['code', 'webhook'], registers });
    this.webhookInFlight = new Gauge({ name: 'controller_runtime_webhook_requests_in_flight', help: 'Current number of admission requests being served.', labelNames: ['webhook'], registers });
    new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers, collect() {
      this.set({ name: 'operator' }, sources.queueDepth());
    } });
    new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers, collect() {
      this.set({ name: 'cnpg-ts-leader' }, sources.isLeader() ? 1 : 0);
    } });
    new Gauge({ name: 'cnpg_ts_operator_managed_clusters', help: 'Clusters this operator manages (0 on a replica that is not leading)', registers, collect() {
      this.set(sources.managedClusters());
    } });
  }

  /** Controller names are the lowercase kind, as controller-runtime names them. */
  reconciled(kind: string, result: ReconcileResult, seconds: number): void {
    const controller = kind.toLowerCase();
    this.reconciles.inc({ controller, result });
    if (result === 'error') this.errors.inc({ controller });
    this.durations.observe({ controller }, seconds);
  }

  started(webhook: string): (code: number) => void {
    this.webhookInFlight.inc({ webhook });
    return (code) => {
      this.webhookInFlight.dec({ webhook });
      this.webhookRequests.inc({ code: String(code), webhook });
    };
  }

  /** The operator's registry, then the restore-drill metrics (a registry of their own, built per scrape). */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    const backups = this.sources.backups?.() ?? [];
    return backups.length > 0 ? `${own}\n${(await verificationMetricsText(backups)).text}` : own;
  }

  serve(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.text().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end((e as Error).message),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
