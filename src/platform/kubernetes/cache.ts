// What the operator reads, kept in memory by list + watch as controller-runtime's caches do, so a
// reconcile costs no API request unless it writes. Objects the operator itself writes are kept at
// once (a reconcile 20 ms later must see the status it just recorded, not the watch's older copy).
import { KubernetesObjectApi, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import { kindInfo, KubeStore } from './store.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type CacheEvent = 'added' | 'updated' | 'deleted';
type Listener = (event: CacheEvent, obj: KubeObject) => void;

const RELIST_DELAY_MS = 1000;
const SYNC_TIMEOUT_MS = 120_000;

/** Kubernetes resourceVersions are etcd revisions; anything else counts as newer. */
function newer(candidate: KubeObject, than: KubeObject | undefined): boolean {
  const a = candidate.metadata.resourceVersion;
  const b = than?.metadata.resourceVersion;
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) >= BigInt(b);
}

/**
 * One kind, in one namespace or all, optionally only objects carrying `requiredLabel`. An
 * authoritative cache's miss means "no such object" (kinds the operator alone creates); otherwise a
 * miss is asked of the API server.
 */
export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  /** `namespace/value of indexLabel` → keys, so a cluster's Pods are found without a scan. */
  private readonly index = new Map<string, Set<string>>();
  private readonly listeners: Listener[] = [];
  private readonly apiVersion: string;
  private abort?: AbortController;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    readonly kind: string,
    private readonly o: { namespace?: string; requiredLabel?: string; indexLabel: string; authoritative?: boolean },
  ) {
    this.apiVersion = kindInfo(kind).apiVersion;
  }

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  /**
   * Resolves once the first list is in; the watch then keeps the cache current until stop(). A
   * server that refuses for a while (a CRD just installed answers 429) is asked again, as
   * controller-runtime waits for its caches, up to the same two minutes.
   */
  async start(): Promise<void> {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      try {
        await this.relist();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`listing ${this.kind}: ${(e as Error).message}`);
        await sleep(RELIST_DELAY_MS);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  /** Whether this cache is the one to hold `obj` (its kind, namespace and label). */
  holds(obj: KubeObject): boolean {
    if (this.o.namespace && obj.metadata.namespace !== this.o.namespace) return false;
    return !this.o.requiredLabel || obj.metadata.labels?.[this.o.requiredLabel] !== undefined;
  }

  get authoritative(): boolean {
    return this.o.authoritative === true;
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(namespace?: string, labels: Record<string, string> = {}): KubeObject[] {
    const indexed = labels[this.o.indexLabel];
    let candidates: Iterable<KubeObject>;
    if (indexed !== undefined && namespace !== undefined) {
      candidates = [...(this.index.get(`${namespace}/${indexed}`) ?? [])].map((k) => this.objects.get(k)!);
    } else {
      candidates = this.objects.values();
    }
    const out: KubeObject[] = [];
    for (const obj of candidates) {
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      if (Object.entries(labels).every(([k, v]) => obj.metadata.labels?.[k] === v)) out.push(obj);
    }
    return out;
  }

  /** An object the operator wrote: kept unless the cache already has a later version. */
  remember(obj: KubeObject): void {
    if (this.holds(obj)) this.upsert(obj);
  }

  private key(obj: KubeObject): string {
    return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  }

  private indexKey(obj: KubeObject): string | undefined {
    const value = obj.metadata.labels?.[this.o.indexLabel];
    return value === undefined ? undefined : `${obj.metadata.namespace ?? ''}/${value}`;
  }

  private upsert(obj: KubeObject): CacheEvent | undefined {
    const key = this.key(obj);
    const existing = this.objects.get(key);
    if (existing && !newer(obj, existing)) return undefined;
    if (existing) this.unindex(key, existing);
    // Plain JSON whatever the source (typed models from writes carry Dates), as the watch delivers,
    // without managedFields: nothing here reads them and they are the bulk of a small object (as
    // controller-runtime's TransformStripManagedFields).
    const { managedFields: _managedFields, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
    const plain = JSON.parse(JSON.stringify({ ...obj, metadata, apiVersion: this.apiVersion, kind: this.kind })) as KubeObject;
    this.objects.set(key, plain);
    const ik = this.indexKey(plain);
    if (ik) {
      if (!this.index.has(ik)) this.index.set(ik, new Set());
      this.index.get(ik)!.add(key);
    }
    return existing ? 'updated' : 'added';
  }

  private unindex(key: string, obj: KubeObject): void {
    const ik = this.indexKey(obj);
    const set = ik ? this.index.get(ik) : undefined;
    if (!set) return;
    set.delete(key);
    if (set.size === 0) this.index.delete(ik!);
  }

  private remove(key: string): KubeObject | undefined {
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.unindex(key, existing);
    this.objects.delete(key);
    return existing;
  }

  private emit(event: CacheEvent, obj: KubeObject): void {
    for (const l of this.listeners) l(event, obj);
  }

  private async relist(): Promise<void> {
    const api = KubernetesObjectApi.makeApiClient(this.kc);
    const listed = await api.list(this.apiVersion, this.kind, this.o.namespace, undefined, undefined, undefined, undefined, this.o.requiredLabel);
    const seen = new Set<string>();
    for (const item of listed.items) {
      const obj = item as unknown as KubeObject;
      const key = this.key(obj);
      seen.add(key);
      const event = this.upsert(obj);
      if (event) this.emit(event, this.objects.get(key)!);
    }
    for (const [key, obj] of [...this.objects]) {
      if (seen.has(key)) continue;
      this.remove(key);
      this.emit('deleted', obj);
    }
    await this.watch(listed.metadata?.resourceVersion ?? '');
  }

  private async watch(resourceVersion: string): Promise<void> {
    if (this.stopped) return;
    const { plural, namespaced } = kindInfo(this.kind);
    const base = this.apiVersion.includes('/') ? `/apis/${this.apiVersion}` : `/api/${this.apiVersion}`;
    const path = `${base}${namespaced && this.o.namespace ? `/namespaces/${this.o.namespace}` : ''}/${plural}`;
    let last = resourceVersion;
    let expired = false;
    this.abort = await new Watch(this.kc).watch(
      path,
      { resourceVersion, allowWatchBookmarks: true, labelSelector: this.o.requiredLabel },
      (type: string, raw: KubernetesObject) => {
        if (type === 'ERROR') {
          // A Status: almost always 410, the position is gone from the server's window.
          expired = true;
          return;
        }
        const obj = raw as KubeObject;
        if (obj.metadata?.resourceVersion) last = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') {
          const key = this.key(obj);
          if (!newer(obj, this.objects.get(key))) return;
          const gone = this.remove(key);
          if (gone) this.emit('deleted', obj);
          return;
        }
        const event = this.upsert(obj);
        if (event) this.emit(event, this.objects.get(this.key(obj))!);
      },
      (err: unknown) => {
        if (this.stopped) return;
        // A watch the server closed resumes where it was; a failed or expired one lists again.
        const resume = !err && !expired && last !== '';
        const next = () => (resume ? this.watch(last) : this.relist()).catch(() => setTimeout(() => void next(), RELIST_DELAY_MS));
        setTimeout(() => void next(), resume ? 0 : RELIST_DELAY_MS);
      },
    );
  }
}

/**
 * The store the controllers use: reads from the caches of the kinds it has (a miss still asks the
 * API server, so objects outside a cache's label, like a user's Secret, are found), writes to the
 * API server and into the cache. Deletions show when the watch says so: a Pod in its grace period
 * or a PVC held by a finalizer is still there, as a read from the API server would say.
 */
export class CachedStore extends KubeStore {
  constructor(
    kc: KubeConfig,
    private readonly caches: ReadonlyMap<string, ObjectCache>,
  ) {
    super(kc);
  }

  override async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const cache = this.caches.get(kind);
    const hit = cache?.get(namespace ?? 'default', name);
    if (hit || cache?.authoritative) return hit;
    return super.get(kind, namespace, name);
  }

  override async list(kind: string, namespace?: string, labels?: Record<string, string>): Promise<KubeObject[]> {
    const cache = this.caches.get(kind);
    return cache ? cache.list(namespace, labels) : super.list(kind, namespace, labels);
  }

  override async put(obj: KubeObject): Promise<KubeObject> {
    const cache = this.caches.get(obj.kind);
    // An object the cache would hold and does not is new: no read before creating it (a stale
    // cache only costs a conflict, which put() resolves on a read from the API server).
    const known = cache?.holds(obj) ? (cache.get(obj.metadata.namespace ?? 'default', obj.metadata.name) ?? null) : undefined;
    const written = await super.put(obj, known);
    cache?.remember({ ...written, apiVersion: obj.apiVersion, kind: obj.kind });
    return written;
  }

  override async updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown, base?: unknown): Promise<KubeObject> {
    const written = await super.updateStatus(kind, namespace, name, status, base);
    this.caches.get(kind)?.remember(written);
    return written;
  }

  override async patchMetadata(kind: string, namespace: string | undefined, name: string, patch: { annotations?: Record<string, string | null>; labels?: Record<string, string | null>; finalizers?: string[] }): Promise<KubeObject> {
    const written = await super.patchMetadata(kind, namespace, name, patch);
    this.caches.get(kind)?.remember({ ...written, kind });
    return written;
  }
}
