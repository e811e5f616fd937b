// The local API server's storage: every object in memory, each persisted as one 0600 JSON file,
// with Kubernetes' bookkeeping (uid, resourceVersion, generation) and a change feed for watchers.
// A change is written first (atomically, fsynced, off the event loop) and only then shown to
// readers and watchers: a write that fails changes nothing. Operations on one object run one at a
// time, each on the object as the previous one left it.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.js';
import { objectTooLarge } from '../../api/object-size.js';
import { writeFileAtomically } from '../../objectstore/atomic-file.js';
import { NotFoundError, type ResourceStore } from '../../operator/platform.js';
import { KeyedLock } from './keyed-lock.js';
import { CLUSTER_SCOPED_FOLDER, loadStore, type SetAside } from './store-load.js';
import { rebaseStatus } from '../../operator/status-rebase.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export class ConflictError extends Error {}
export { NotFoundError };
export class TooLargeError extends Error {}
/** The object could not be written (or removed); memory and watchers saw nothing of it. */
export class StoreWriteError extends Error {}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;
/** As the API server words it, so that the message can go to the user as it is. */
const notFound = (kind: string, namespace: string | undefined, name: string) =>
  new NotFoundError(`${kind.toLowerCase()}s "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}`);
const clone = <T>(v: T): T => structuredClone(v);
/** What a file holds and a restart reads back: members set to undefined are gone. */
const asStored = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export class FileStore extends EventEmitter<{ change: [WatchEvent] }> implements ResourceStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly locks = new KeyedLock();
  private version = 0;
  /** Files found unreadable at start, moved aside; the daemon reports them. */
  readonly setAside: readonly SetAside[];

  constructor(private readonly dir: string) {
    super();
    this.setMaxListeners(0);
    const loaded = loadStore(dir);
    for (const obj of loaded.objects) {
      this.objects.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
      this.version = Math.max(this.version, Number(obj.metadata.resourceVersion ?? 0));
    }
    this.setAside = loaded.setAside;
  }

  private fileOf(obj: KubeObject): string {
    return join(this.dir, obj.metadata.namespace ?? CLUSTER_SCOPED_FOLDER, obj.kind.toLowerCase(), `${obj.metadata.name}.json`);
  }

  private locked<T>(kind: string, namespace: string | undefined, name: string, operation: (existing: KubeObject | undefined) => Promise<T>): Promise<T> {
    const k = key(kind, namespace, name);
    return this.locks.run(k, () => operation(this.objects.get(k)));
  }

  /** The caller holds the object's lock. */
  private async commit(next: KubeObject, type: WatchEventType): Promise<KubeObject> {
    const tooLarge = objectTooLarge(next);
    if (tooLarge) throw new TooLargeError(tooLarge);
    const obj = asStored(next);
    obj.metadata.resourceVersion = String(++this.version);
    const file = this.fileOf(obj);
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomically(file, JSON.stringify(obj, null, 2) + '\n', { mode: 0o600 });
    } catch (e) {
      throw new StoreWriteError(`could not store ${obj.kind}/${obj.metadata.name} in ${file}: ${(e as Error).message}`);
    }
    this.objects.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    this.emit('change', { type, object: clone(obj) });
    return clone(obj);
  }

  /** Resolves once every operation so far has finished (its file written or removed). */
  flush(): Promise<void> {
    return this.locks.idle();
  }

  getSync(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(key(kind, namespace, name));
    return obj ? clone(obj) : undefined;
  }

  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.getSync(kind, namespace, name);
  }

  /** `where` sees the stored object itself, so that only what is returned is copied. */
  listSync(kind: string, namespace?: string, where: (o: KubeObject) => boolean = () => true): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace) && where(o))
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name))
      .map(clone);
  }

  async list(kind: string, namespace?: string, labels: Record<string, string> = {}): Promise<KubeObject[]> {
    return this.listSync(kind, namespace, (o) => Object.entries(labels).every(([k, v]) => o.metadata.labels?.[k] === v));
  }

  /**
   * Create or update from a user's manifest: the user owns metadata labels/annotations and the
   * spec (or data); uid, creation time and status are the system's and survive.
   */
  apply(input: KubeObject): Promise<{ object: KubeObject; action: 'created' | 'configured' | 'unchanged' }> {
    return this.locked(input.kind, input.metadata.namespace, input.metadata.name, (existing) => this.applyLocked(input, existing));
  }

  private async applyLocked(input: KubeObject, existing: KubeObject | undefined): Promise<{ object: KubeObject; action: 'created' | 'configured' | 'unchanged' }> {
    if (!existing) {
      const obj = clone(input);
      delete obj.status;
      obj.metadata = { ...obj.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString(), generation: 1 };
      return { object: await this.commit(obj, 'ADDED'), action: 'created' };
    }
    if (existing.metadata.deletionTimestamp) throw new ConflictError(`${input.kind} ${input.metadata.name} is being deleted; wait until it is gone`);
    const next: KubeObject = clone(existing);
    next.metadata.labels = input.metadata.labels;
    next.metadata.annotations = input.metadata.annotations;
    for (const field of ['spec', 'data', 'stringData', 'type'] as const) {
      if (input[field] === undefined) delete next[field];
      else (next as unknown as Record<string, unknown>)[field] = asStored(input[field]);
    }
    if (isDeepStrictEqual(asStored(next), existing)) return { object: clone(existing), action: 'unchanged' };
    if (!isDeepStrictEqual(next.spec, existing.spec) || !isDeepStrictEqual(next.data, existing.data)) {
      next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    return { object: await this.commit(next, 'MODIFIED'), action: 'configured' };
  }

  /**
   * A read-modify-write of an existing object, as a merge patch on the API server is: `change` sees
   * the stored object and returns the user's next version of it (or throws), while no other write
   * to the object can come between. Applied as apply() applies a manifest.
   */
  update(kind: string, namespace: string | undefined, name: string, change: (existing: KubeObject) => Promise<KubeObject>): Promise<{ object: KubeObject; action: 'configured' | 'unchanged' }> {
    return this.locked(kind, namespace, name, async (existing) => {
      if (!existing) throw notFound(kind, namespace, name);
      const next = await change(clone(existing));
      return (await this.applyLocked(next, existing)) as { object: KubeObject; action: 'configured' | 'unchanged' };
    });
  }

  put(obj: KubeObject): Promise<KubeObject> {
    return this.locked(obj.kind, obj.metadata.namespace, obj.metadata.name, async (existing) => {
      if (!existing) return (await this.applyLocked(obj, undefined)).object;
      const next = clone(obj);
      next.metadata = { ...existing.metadata, ...obj.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp, resourceVersion: existing.metadata.resourceVersion };
      next.status = existing.status;
      if (isDeepStrictEqual(asStored(next), existing)) return clone(existing);
      return this.commit(next, 'MODIFIED');
    });
  }

  /** A status equal to the stored one is not written: no new resourceVersion, no watch event. */
  updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown, base?: unknown): Promise<void> {
    return this.locked(kind, namespace, name, async (existing) => {
      if (!existing) throw notFound(kind, namespace, name);
      const wanted = asStored(base === undefined ? status : rebaseStatus(asStored(base), asStored(status), existing.status));
      if (isDeepStrictEqual(wanted, existing.status)) return;
      await this.commit({ ...clone(existing), status: wanted }, 'MODIFIED');
    });
  }

  patchMetadata(kind: string, namespace: string | undefined, name: string, patch: { annotations?: Record<string, string | null>; finalizers?: string[] }): Promise<void> {
    return this.locked(kind, namespace, name, async (existing) => {
      if (!existing) throw notFound(kind, namespace, name);
      if (patch.finalizers?.length === 0 && existing.metadata.deletionTimestamp) return void (await this.remove(existing));
      const next = clone(existing);
      if (patch.finalizers !== undefined) next.metadata.finalizers = patch.finalizers;
      if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
      const annotations = { ...(next.metadata.annotations ?? {}) };
      for (const [k, v] of Object.entries(patch.annotations ?? {})) {
        if (v === null) delete annotations[k];
        else annotations[k] = v;
      }
      if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
      else delete next.metadata.annotations;
      if (isDeepStrictEqual(next, existing)) return;
      await this.commit(next, 'MODIFIED');
    });
  }

  markDeleted(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.locked(kind, namespace, name, async (existing) => {
      if (!existing) return undefined;
      if (existing.metadata.deletionTimestamp) return clone(existing);
      const next = clone(existing);
      next.metadata.deletionTimestamp = new Date().toISOString();
      return this.commit(next, 'MODIFIED');
    });
  }

  delete(kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    return this.locked(kind, namespace, name, async (existing) => {
      if (!existing) return false;
      await this.remove(existing);
      return true;
    });
  }

  /** Under the object's lock. */
  private async remove(existing: KubeObject): Promise<void> {
    const { kind, metadata } = existing;
    const file = this.fileOf(existing);
    try {
      await rm(file, { force: true });
    } catch (e) {
      throw new StoreWriteError(`could not delete ${kind}/${metadata.name} (${file}): ${(e as Error).message}`);
    }
    this.objects.delete(key(kind, metadata.namespace, metadata.name));
    this.emit('change', { type: 'DELETED', object: clone(existing) });
  }
}
