// The operator's controllers behind one work queue, as controller-runtime's manager runs them, for
// both platforms: a platform supplies its Platform and feeds the watch events it sees to
// objectChanged; what gets reconciled, under which key, how often and how failures back off is
// decided here once. A reconcile that throws is retried after a delay that doubles per key
// (the WorkQueue's backoff); one that asks for nothing is looked at again after resyncMs, because
// what only the instance managers know (LSNs, lag, a crashed postmaster missed by an event)
// changes without any event.
import type { KubeObject } from '../api/meta.js';
import { LABELS } from '../api/names.js';
import { BackupController, ScheduledBackupController } from './backup-controller.js';
import type { Cluster } from '../api/index.js';
import { ClusterController, type ReconcileResult } from './controller.js';
import { queriesReferences } from './monitoring.js';
import { namesObjectStore } from './plugin-stores.js';
import { InFlightCalls, tracedPlatform } from './inflight.js';
import { NotFoundError, type Platform } from './platform.js';
import { PoolerController } from './pooler-controller.js';
import { DatabaseController } from './database-controller.js';
import { LogicalReplicationController } from './logical-replication-controller.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

export const CONTROLLED_KINDS = ['Cluster', 'Backup', 'ScheduledBackup', 'Pooler', 'Publication', 'Subscription', 'Database'] as const;
export type ControlledKind = (typeof CONTROLLED_KINDS)[number];

export interface ObjectReconciler {
  reconcile(namespace: string, name: string): Promise<ReconcileResult>;
}
export type Reconcilers = Record<ControlledKind, ObjectReconciler>;

export type ReconcileOutcome = 'success' | 'requeue_after' | 'error';
export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export interface OperatorManagerOptions {
  log: Logger;
  /** A settled object is reconciled again after about this long (jittered by ±10%). */
  resyncMs: number;
  queue?: WorkQueueOptions;
  /** Called after every reconcile (the Kubernetes operator's metrics). */
  onReconciled?(kind: ControlledKind, outcome: ReconcileOutcome, seconds: number): void;
  /** Stand-ins for the controllers, for tests of the queueing itself. */
  reconcilers?: Reconcilers;
  /** How often reconciles running long and objects without a run due are looked for (tests shorten it). */
  watchdogEveryMs?: number;
  /** A reconcile running longer than this is logged with the platform calls it waits on. */
  longReconcileMs?: number;
}

const SLOW_RECONCILE_MS = 250;
/** How often the watchdog looks, and how long a reconcile or a platform call may take before it is named. */
const WATCHDOG_EVERY_MS = 30_000;
const LONG_RECONCILE_MS = 60_000;

const isControlled = (kind: string): kind is ControlledKind => (CONTROLLED_KINDS as readonly string[]).includes(kind);

/** `Kind/namespace/name`: names and namespaces are DNS labels or subdomains, never holding a slash. */
export const objectKey = (kind: ControlledKind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

export function parseObjectKey(key: string): { kind: ControlledKind; namespace: string; name: string } {
  const [kind = '', namespace = '', name = ''] = key.split('/');
  if (!isControlled(kind) || !namespace || !name) throw new Error(`not an object key: ${key}`);
  return { kind, namespace, name };
}

/** So that a thousand objects enqueued at once do not all come due again in the same second. */
const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

export class OperatorManager {
  private readonly queue: WorkQueue;
  private readonly reconcilers: Reconcilers;
  private readonly platform: Platform;
  private readonly calls = new InFlightCalls();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    platform: Platform,
    private readonly o: OperatorManagerOptions,
  ) {
    this.platform = tracedPlatform(platform, this.calls);
    this.watchdog = setInterval(() => void this.watch(), o.watchdogEveryMs ?? WATCHDOG_EVERY_MS).unref();
    this.reconcilers = o.reconcilers ?? {
      Cluster: new ClusterController(this.platform),
      Backup: new BackupController(this.platform, (namespace, name) => this.enqueue('Cluster', namespace, name)),
      ScheduledBackup: new ScheduledBackupController(this.platform),
      Pooler: new PoolerController(this.platform),
      Publication: new LogicalReplicationController(this.platform, 'Publication'),
      Subscription: new LogicalReplicationController(this.platform, 'Subscription'),
      Database: new DatabaseController(this.platform),
    };
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, e) => o.log('reconcile failed', { key, error: (e as Error).message }),
      o.queue,
    );
  }

  /** Keys waiting for a worker. */
  get depth(): number {
    return this.queue.depth;
  }

  enqueue(kind: ControlledKind, namespace: string | undefined, name: string, delayMs = 0): void {
    this.queue.add(objectKey(kind, namespace ?? 'default', name), delayMs);
  }

  /**
   * A watch event (added, modified or deleted alike): a controlled object is reconciled itself; an
   * object made for a Cluster reconciles that Cluster; a Secret without the label may be one a
   * Cluster names (a user's credentials or object-store keys), so each Cluster of its namespace is.
   */
  objectChanged(obj: KubeObject): void {
    const namespace = obj.metadata.namespace ?? 'default';
    if (obj.kind === 'Pooler') {
      // The Cluster keeps the pooler's role, lookup function and certificate while a Pooler names it.
      const cluster = (obj as { spec?: { cluster?: { name?: string } } }).spec?.cluster?.name;
      if (cluster) this.enqueue('Cluster', namespace, cluster);
    }
    if (isControlled(obj.kind)) {
      this.enqueue(obj.kind, namespace, obj.metadata.name);
      if (obj.kind === 'Cluster') this.enqueuePoolersOf(namespace, obj.metadata.name);
      return;
    }
    const cluster = obj.metadata.labels?.[LABELS.cluster];
    if (cluster) {
      this.enqueue('Cluster', namespace, cluster);
      return this.enqueuePoolersOf(namespace, cluster);
    }
    if (obj.kind === 'ConfigMap') return this.enqueueClustersReferencing(obj);
    if (obj.kind === 'ObjectStore') return this.enqueueClustersNaming(obj);
    if (obj.kind !== 'Secret') return;
    this.platform.store.list('Cluster', namespace).then(
      (clusters) => clusters.forEach((c) => this.enqueue('Cluster', namespace, c.metadata.name)),
      (e: unknown) => this.o.log('could not list the Clusters a Secret may belong to', { namespace, secret: obj.metadata.name, error: (e as Error).message }),
    );
    // A Secret a Pooler names itself (authQuerySecret, its own TLS).
    this.enqueuePoolersOf(namespace);
  }

  /** A ConfigMap of custom queries: every Cluster naming it reconfigures its instances' exporters. */
  private enqueueClustersReferencing(configMap: KubeObject): void {
    this.enqueueClustersWhere(configMap, (c) => queriesReferences(c).some((r) => r.kind === 'ConfigMap' && r.name === configMap.metadata.name));
  }

  /** An ObjectStore (the Barman Cloud plugin's): every Cluster naming it archives, backs up and recovers with its new settings. */
  private enqueueClustersNaming(objectStore: KubeObject): void {
    this.enqueueClustersWhere(objectStore, (c) => namesObjectStore(c, objectStore.metadata.name));
  }

  private enqueueClustersWhere(obj: KubeObject, names: (cluster: Cluster) => boolean): void {
    const namespace = obj.metadata.namespace ?? 'default';
    this.platform.store.list('Cluster', namespace).then(
      (clusters) => {
        for (const c of clusters as Cluster[]) if (names(c)) this.enqueue('Cluster', namespace, c.metadata.name);
      },
      (e: unknown) => this.o.log(`could not list the Clusters a ${obj.kind} may belong to`, { namespace, name: obj.metadata.name, error: (e as Error).message }),
    );
  }

  /** The Poolers in front of a Cluster follow its primary and its Secrets; without `cluster`, every Pooler of the namespace. */
  private enqueuePoolersOf(namespace: string, cluster?: string): void {
    this.platform.store.list('Pooler', namespace).then(
      (poolers) =>
        poolers
          .filter((p) => cluster === undefined || (p.spec as { cluster?: { name?: string } } | undefined)?.cluster?.name === cluster)
          .forEach((p) => this.enqueue('Pooler', namespace, p.metadata.name)),
      (e: unknown) => this.o.log('could not list the Poolers of a Cluster', { namespace, cluster, error: (e as Error).message }),
    );
  }

  /** Every object of the controlled kinds, as a start or a relist finds them. */
  async enqueueAll(): Promise<void> {
    for (const kind of CONTROLLED_KINDS) for (const obj of await this.platform.store.list(kind)) this.enqueue(kind, obj.metadata.namespace, obj.metadata.name);
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { kind, namespace, name } = parseObjectKey(key);
    const started = performance.now();
    let result: ReconcileResult;
    try {
      result = await this.reconcilers[kind].reconcile(namespace, name);
    } catch (e) {
      // Deleted while it was being reconciled (its status write found nothing): nothing is left to do.
      if (e instanceof NotFoundError && !(await this.platform.store.get(kind, namespace, name))) {
        this.finished(key, kind, 'success', started);
        return {};
      }
      this.finished(key, kind, 'error', started);
      throw e;
    }
    this.finished(key, kind, result.requeueAfterMs === undefined ? 'success' : 'requeue_after', started);
    if (result.requeueAfterMs !== undefined) return result;
    return (await this.platform.store.get(kind, namespace, name)) ? { requeueAfterMs: jittered(this.o.resyncMs) } : {};
  }

  private finished(key: string, kind: ControlledKind, outcome: ReconcileOutcome, started: number): void {
    const ms = performance.now() - started;
    this.o.onReconciled?.(kind, outcome, ms / 1000);
    if (ms > SLOW_RECONCILE_MS) this.o.log('slow reconcile', { key, ms: Math.round(ms) });
  }

  /**
   * A reconcile that never finishes freezes its object's status with nothing to show why: it is
   * logged with the platform calls still pending. An existing object always has a run due (each
   * run requeues it); one found without is logged and enqueued, so a lost requeue costs a period.
   */
  private async watch(): Promise<void> {
    const long = this.o.longReconcileMs ?? LONG_RECONCILE_MS;
    for (const r of this.queue.runningLongerThan(long)) this.o.log('reconcile running long', { key: r.key, seconds: r.seconds, waitingOn: this.calls.olderThan(long / 2) });
    for (const kind of CONTROLLED_KINDS) {
      const objects = await this.platform.store.list(kind).catch(() => []);
      for (const obj of objects) {
        const key = objectKey(kind, obj.metadata.namespace ?? 'default', obj.metadata.name);
        if (this.queue.isScheduled(key)) continue;
        this.o.log('object had no reconcile due; enqueued', { key });
        this.queue.add(key);
      }
    }
  }

  stop(): Promise<void> {
    clearInterval(this.watchdog);
    return this.queue.stop();
  }
}
