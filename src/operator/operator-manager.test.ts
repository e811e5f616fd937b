import test from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredCluster } from '../api/cluster-status.js';
import type { KubeObject } from '../api/meta.js';
import { objectKey, OperatorManager, parseObjectKey, type ControlledKind, type Reconcilers } from './operator-manager.js';
import { NotFoundError, type InstanceRuntime, type Platform, type ResourceStore } from './platform.js';

/** Objects in a Map; `put` fails when told to, as an API server refusing writes would. */
class MemoryStore implements ResourceStore {
  readonly objects = new Map<string, KubeObject>();
  readonly reads: Array<{ kind: string; at: number }> = [];
  refuseWrites = false;

  private key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? 'default'}/${name}`;

  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    this.reads.push({ kind, at: performance.now() });
    return structuredClone(this.objects.get(this.key(kind, namespace, name)));
  }
  async list(kind: string, namespace?: string): Promise<KubeObject[]> {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)).map((o) => structuredClone(o));
  }
  async put(obj: KubeObject): Promise<KubeObject> {
    if (this.refuseWrites) throw new Error('the API server refused the write');
    this.objects.set(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name), structuredClone(obj));
    return obj;
  }
  async updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown): Promise<void> {
    const obj = this.objects.get(this.key(kind, namespace, name));
    if (obj) obj.status = structuredClone(status) as KubeObject['status'];
  }
  async patchMetadata(): Promise<void> {}
  async delete(kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    return this.objects.delete(this.key(kind, namespace, name));
  }
}

function platform(store: ResourceStore, events: string[] = []): Platform {
  const endpoint = { host: '127.0.0.1', port: 5432 };
  return {
    store,
    instances: { defaultMajor: () => 15, defaultImage: () => 'ghcr.io/cloudnative-pg/postgresql:15', observe: async () => [] } as unknown as InstanceRuntime,
    endpoints: { addresses: async () => ({ rw: endpoint, ro: endpoint, r: endpoint }), route: async () => {}, remove: async () => {} },
    events: { record: async (_obj, type, reason, message) => void events.push(`${type} ${reason}: ${message}`) },
  };
}

const cluster = (name: string, namespace = 'default'): StoredCluster =>
  ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace, generation: 1 }, spec: { instances: 1, bootstrap: { initdb: { database: 'app', owner: 'app' } } } }) as StoredCluster;

/** Records each key reconciled, and fails a key as often as `failures` says. */
function recording(failures: Record<string, number> = {}): { reconcilers: Reconcilers; runs: Array<{ key: string; at: number }> } {
  const runs: Array<{ key: string; at: number }> = [];
  const reconciler = (kind: ControlledKind) => ({
    async reconcile(namespace: string, name: string) {
      const key = objectKey(kind, namespace, name);
      runs.push({ key, at: performance.now() });
      if ((failures[key] ?? 0) > 0) {
        failures[key]!--;
        throw new Error(`${key} failed`);
      }
      return {};
    },
  });
  return { reconcilers: { Cluster: reconciler('Cluster'), Backup: reconciler('Backup'), ScheduledBackup: reconciler('ScheduledBackup'), Pooler: reconciler('Pooler'), Publication: reconciler('Publication'), Subscription: reconciler('Subscription'), Database: reconciler('Database') }, runs };
}

const gapsBetween = (times: number[]) => times.slice(1).map((t, i) => Math.round(t - times[i]!));

/**
 * Timers only promise a lower bound: on a loaded machine they fire late. So the backoff tests wait
 * for the runs they expect rather than counting runs at a fixed moment, and check that no retry
 * came before its backoff.
 */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 10_000; waited += 10) await sleep(10);
  assert.ok(done(), `timed out waiting for ${what}`);
}

test('a Cluster whose reconcile keeps failing is retried at growing intervals, its status and an Event saying why', async () => {
  const store = new MemoryStore();
  await store.put(cluster('pg'));
  store.refuseWrites = true;
  const events: string[] = [];
  const logged: string[] = [];
  const manager = new OperatorManager(platform(store, events), { log: (msg) => logged.push(msg), resyncMs: 60_000, queue: { errorBaseMs: 50, errorMaxMs: 400 } });
  manager.enqueue('Cluster', 'default', 'pg');
  const clusterReads = () => store.reads.filter((r) => r.kind === 'Cluster').map((r) => r.at);
  await until('five runs', () => clusterReads().length >= 5);
  await manager.stop();
  const runs = clusterReads();
  const gaps = gapsBetween(runs);
  for (const [i, want] of [50, 100, 200, 400].entries()) assert.ok(gaps[i]! >= want - 2, `retry ${i + 1} after ${gaps[i]} ms, before its backoff of ${want}`);
  const stored = (await store.get('Cluster', 'default', 'pg')) as StoredCluster;
  assert.match(stored.status?.phaseReason ?? '', /the API server refused the write/);
  assert.ok(events.some((e) => /^Warning ReconcileError: .*refused the write/.test(e)), events.join('\n'));
  assert.equal(logged.filter((m) => m === 'reconcile failed').length, runs.length);
});

test('a failure backs off only its own key; a success resets it', async () => {
  const { reconcilers, runs } = recording({ 'Cluster/default/bad': 3 });
  const manager = new OperatorManager(platform(new MemoryStore()), { log: () => {}, resyncMs: 60_000, reconcilers, queue: { errorBaseMs: 40, errorMaxMs: 1000 } });
  manager.enqueue('Cluster', 'default', 'bad');
  manager.enqueue('Cluster', 'default', 'good');
  await sleep(20);
  manager.enqueue('Cluster', 'default', 'good');
  const badRuns = () => runs.filter((r) => r.key === 'Cluster/default/bad').map((r) => r.at);
  await until('three failures, then the success', () => badRuns().length >= 4);
  // A success resets the backoff and asks for nothing more: no fifth run comes.
  await sleep(400);
  await manager.stop();
  const bad = badRuns();
  assert.equal(bad.length, 4, 'three failures, then the success');
  const gaps = gapsBetween(bad);
  for (const [i, want] of [40, 80, 160].entries()) assert.ok(gaps[i]! >= want - 2, `retry ${i + 1} after ${gaps[i]} ms, before its backoff of ${want}`);
  assert.equal(runs.filter((r) => r.key === 'Cluster/default/good').length, 2, 'the other key ran each time it was asked for');
});

test('watch events map to one key format: the object itself, the Cluster a child is labelled with, every Cluster for an unlabelled Secret', async () => {
  const store = new MemoryStore();
  await store.put(cluster('a', 'ns1'));
  await store.put(cluster('b', 'ns1'));
  await store.put(cluster('c', 'ns2'));
  const { reconcilers, runs } = recording();
  const manager = new OperatorManager(platform(store), { log: () => {}, resyncMs: 60_000, reconcilers });
  const keys = async (obj: KubeObject) => {
    runs.length = 0;
    manager.objectChanged(obj);
    await sleep(20);
    return runs.map((r) => r.key).sort();
  };
  const meta = (name: string, labels?: Record<string, string>) => ({ name, namespace: 'ns1', ...(labels ? { labels } : {}) });
  assert.deepEqual(await keys({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: meta('nightly') }), ['Backup/ns1/nightly']);
  assert.deepEqual(await keys({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: meta('daily') }), ['ScheduledBackup/ns1/daily']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'Pod', metadata: meta('a-1', { 'cnpg.io/cluster': 'a' }) }), ['Cluster/ns1/a']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'Secret', metadata: meta('a-app', { 'cnpg.io/cluster': 'a' }) }), ['Cluster/ns1/a']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'Secret', metadata: meta('s3-creds') }), ['Cluster/ns1/a', 'Cluster/ns1/b']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('unrelated') }), []);
  await manager.stop();
});

test('a ConfigMap of custom queries reconciles the Clusters naming it, and only those', async () => {
  const store = new MemoryStore();
  const naming = (name: string, configMap: string) => ({ ...cluster(name, 'ns1'), spec: { ...cluster(name).spec, monitoring: { customQueriesConfigMap: [{ name: configMap, key: 'queries' }] } } }) as StoredCluster;
  await store.put(naming('a', 'queries'));
  await store.put(naming('b', 'other'));
  await store.put(cluster('c', 'ns1'));
  const { reconcilers, runs } = recording();
  const manager = new OperatorManager(platform(store), { log: () => {}, resyncMs: 60_000, reconcilers });
  manager.objectChanged({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'queries', namespace: 'ns1' } });
  await sleep(20);
  assert.deepEqual(runs.map((r) => r.key), ['Cluster/ns1/a']);
  await manager.stop();
});

test('a Pooler reconciles itself and its Cluster; a change of the Cluster or of its Secrets reconciles the Poolers in front of it', async () => {
  const store = new MemoryStore();
  await store.put(cluster('a', 'ns1'));
  await store.put(cluster('b', 'ns1'));
  const pooler = (name: string, clusterName: string): KubeObject => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name, namespace: 'ns1' }, spec: { cluster: { name: clusterName } } });
  await store.put(pooler('a-pooler', 'a'));
  await store.put(pooler('b-pooler', 'b'));
  const { reconcilers, runs } = recording();
  const manager = new OperatorManager(platform(store), { log: () => {}, resyncMs: 60_000, reconcilers });
  const keys = async (obj: KubeObject) => {
    runs.length = 0;
    manager.objectChanged(obj);
    await sleep(20);
    return runs.map((r) => r.key).sort();
  };
  assert.deepEqual(await keys(pooler('a-pooler', 'a')), ['Cluster/ns1/a', 'Pooler/ns1/a-pooler']);
  assert.deepEqual(await keys(cluster('a', 'ns1')), ['Cluster/ns1/a', 'Pooler/ns1/a-pooler']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a-pooler', namespace: 'ns1', labels: { 'cnpg.io/cluster': 'a' } } }), ['Cluster/ns1/a', 'Pooler/ns1/a-pooler']);
  assert.deepEqual(await keys({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth-query', namespace: 'ns1' } }), ['Cluster/ns1/a', 'Cluster/ns1/b', 'Pooler/ns1/a-pooler', 'Pooler/ns1/b-pooler']);
  await manager.stop();
});

test('a settled object is looked at again after the resync period; a deleted one is not', async () => {
  const store = new MemoryStore();
  await store.put(cluster('kept'));
  const { reconcilers, runs } = recording();
  const manager = new OperatorManager(platform(store), { log: () => {}, resyncMs: 100, reconcilers });
  manager.enqueue('Cluster', 'default', 'kept');
  manager.enqueue('Cluster', 'default', 'gone');
  await sleep(100 * 1.1 * 2 + 50);
  await manager.stop();
  assert.ok(runs.filter((r) => r.key === 'Cluster/default/kept').length >= 3);
  assert.equal(runs.filter((r) => r.key === 'Cluster/default/gone').length, 1);
});

test('an object deleted during its reconcile (its status write finds nothing) is done, not a failure to retry', async () => {
  const runs: string[] = [];
  const logged: string[] = [];
  const gone = { async reconcile(_namespace: string, name: string) {
    runs.push(name);
    throw new NotFoundError(`backups "${name}" not found`);
  } };
  const store = new MemoryStore();
  await store.put({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'still-there', namespace: 'default' } });
  const manager = new OperatorManager(platform(store), { log: (msg) => logged.push(msg), resyncMs: 60_000, reconcilers: { Cluster: gone, Backup: gone, ScheduledBackup: gone, Pooler: gone, Publication: gone, Subscription: gone, Database: gone }, queue: { errorBaseMs: 50 } });
  manager.enqueue('Backup', 'default', 'deleted');
  manager.enqueue('Backup', 'default', 'still-there');
  await sleep(200);
  await manager.stop();
  assert.equal(runs.filter((n) => n === 'deleted').length, 1);
  assert.ok(runs.filter((n) => n === 'still-there').length >= 2, 'a NotFoundError about an object that exists is a failure, retried');
  assert.ok(logged.length >= 1 && logged.every((m) => m === 'reconcile failed'));
});

test('object keys round-trip and refuse what is not one', () => {
  assert.deepEqual(parseObjectKey(objectKey('ScheduledBackup', 'ns', 'daily')), { kind: 'ScheduledBackup', namespace: 'ns', name: 'daily' });
  assert.throws(() => parseObjectKey('Cluster:ns/pg'), /not an object key/);
  assert.throws(() => parseObjectKey('Pod/ns/pg-1'), /not an object key/);
});

test('a reconcile that never finishes is logged with the platform call it waits on', async () => {
  const store = new MemoryStore();
  await store.put(cluster('stuck'));
  const logged: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const p = platform(store);
  p.instances = { ...p.instances, observe: () => new Promise(() => undefined) } as InstanceRuntime;
  const manager = new OperatorManager(p, { log: (msg, fields) => logged.push({ msg, fields }), resyncMs: 60_000, watchdogEveryMs: 50, longReconcileMs: 100 });
  manager.enqueue('Cluster', 'default', 'stuck');
  await sleep(400);
  const long = logged.find((l) => l.msg === 'reconcile running long');
  assert.ok(long, JSON.stringify(logged));
  assert.equal(long.fields?.key, 'Cluster/default/stuck');
  assert.deepEqual((long.fields?.waitingOn as Array<{ what: string }>).map((c) => c.what), ['instances.observe']);
  // Not stopped: stop() waits for the run that never ends; the watchdog's timer does not hold the process.
});

test('an existing object with no run due is logged and reconciled by the watchdog', async () => {
  const store = new MemoryStore();
  await store.put(cluster('forgotten'));
  const logged: string[] = [];
  const { reconcilers, runs } = recording();
  const manager = new OperatorManager(platform(store), { log: (msg) => logged.push(msg), resyncMs: 60_000, reconcilers, watchdogEveryMs: 50 });
  await sleep(200);
  await manager.stop();
  assert.deepEqual(logged, ['object had no reconcile due; enqueued']);
  assert.deepEqual(runs.map((r) => r.key), ['Cluster/default/forgotten']);
});
