// The local API server's storage: every object in memory, each persisted as one 0600 JSON file,
// with Kubernetes' bookkeeping (uid, resourceVersion, generation) and a change feed for watchers.
// A write resolves once its file is on disk; the files are written off the event loop, so that the
// API and the controllers never wait for a disk.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.js';
import { writeFileAtomically } from '../../objectstore/atomic-file.js';
import type { ResourceStore } from '../../operator/platform.js';
import { LatestWrites } from './latest-writes.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export class ConflictError extends Error {}
export class NotFoundError extends Error {}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;
const clone = <T>(v: T): T => structuredClone(v);

export class FileStore extends EventEmitter<{ change: [WatchEvent] }> implements ResourceStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly writes = new LatestWrites();
  private version = 0;

  constructor(private readonly dir: string) {
    super();
    this.setMaxListeners(0);
    this.load();
  }

  private fileOf(obj: KubeObject): string {
    return join(this.dir, obj.metadata.namespace ?? '_cluster', obj.kind.toLowerCase(), `${obj.metadata.name}.json`);
  }

  /** Read once, before the daemon serves anything. */
  private load(): void {
    if (!existsSync(this.dir)) return;
    for (const ns of readdirSync(this.dir)) {
      for (const kind of readdirSync(join(this.dir, ns))) {
        for (const file of readdirSync(join(this.dir, ns, kind)).filter((f) => f.endsWith('.json'))) {
          const obj = JSON.parse(readFileSync(join(this.dir, ns, kind, file), 'utf8')) as KubeObject;
          this.objects.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
          this.version = Math.max(this.version, Number(obj.metadata.resourceVersion ?? 0));
        }
      }
    }
  }

  private persist(obj: KubeObject): Promise<void> {
    const file = this.fileOf(obj);
    const text = JSON.stringify(obj, null, 2) + '\n';
    return this.writes.run(file, async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomically(file, text, { mode: 0o600 });
    });
  }

  private async commit(obj: KubeObject, type: WatchEventType): Promise<KubeObject> {
    obj.metadata.resourceVersion = String(++this.version);
    this.objects.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    const persisted = this.persist(obj);
    this.emit('change', { type, object: clone(obj) });
    await persisted;
    return clone(obj);
  }

  /** Resolves once every write so far is on disk. */
  flush(): Promise<void> {
    return this.writes.idle();
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

  async list(kind: string, namespace?: string): Promise<KubeObject[]> {
    return this.listSync(kind, namespace);
  }

  /**
   * Create or update from a user's manifest: the user owns metadata labels/annotations and the
   * spec (or data); uid, creation time and status are the system's and survive.
   */
  async apply(input: KubeObject): Promise<{ object: KubeObject; action: 'created' | 'configured' | 'unchanged' }> {
    const existing = this.objects.get(key(input.kind, input.metadata.namespace, input.metadata.name));
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
      else (next as unknown as Record<string, unknown>)[field] = clone(input[field]);
    }
    if (isDeepStrictEqual(next, existing)) return { object: clone(existing), action: 'unchanged' };
    if (!isDeepStrictEqual(next.spec, existing.spec) || !isDeepStrictEqual(next.data, existing.data)) {
      next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    return { object: await this.commit(next, 'MODIFIED'), action: 'configured' };
  }

  async put(obj: KubeObject): Promise<KubeObject> {
    const existing = this.objects.get(key(obj.kind, obj.metadata.namespace, obj.metadata.name));
    if (!existing) return (await this.apply(obj)).object;
    const next = clone(obj);
    next.metadata = { ...existing.metadata, ...obj.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp };
    next.status = existing.status;
    return this.commit(next, 'MODIFIED');
  }

  async updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown): Promise<void> {
    const existing = this.objects.get(key(kind, namespace, name));
    if (!existing) throw new NotFoundError(`${kind} ${name} not found`);
    const next = clone(existing);
    next.status = clone(status);
    await this.commit(next, 'MODIFIED');
  }

  async patchMetadata(kind: string, namespace: string | undefined, name: string, patch: { annotations?: Record<string, string | null> }): Promise<void> {
    const existing = this.objects.get(key(kind, namespace, name));
    if (!existing) throw new NotFoundError(`${kind} ${name} not found`);
    const next = clone(existing);
    const annotations = { ...(next.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(patch.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    next.metadata.annotations = Object.keys(annotations).length > 0 ? annotations : undefined;
    if (isDeepStrictEqual(next, existing)) return;
    await this.commit(next, 'MODIFIED');
  }

  async markDeleted(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const existing = this.objects.get(key(kind, namespace, name));
    if (!existing) return undefined;
    if (existing.metadata.deletionTimestamp) return clone(existing);
    const next = clone(existing);
    next.metadata.deletionTimestamp = new Date().toISOString();
    return this.commit(next, 'MODIFIED');
  }

  async delete(kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    const k = key(kind, namespace, name);
    const existing = this.objects.get(k);
    if (!existing) return false;
    this.objects.delete(k);
    const file = this.fileOf(existing);
    const removed = this.writes.run(file, () => rm(file, { force: true }));
    this.emit('change', { type: 'DELETED', object: clone(existing) });
    await removed;
    return true;
  }
}
