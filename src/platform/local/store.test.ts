import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/meta.js';
import { FileStore, StoreWriteError, TooLargeError, type WatchEvent } from './store.js';

const configMap = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

function withDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('unreadable object files are moved aside, each with its reason, and the rest loads', withDir(async (dir) => {
  const first = new FileStore(dir);
  await first.apply(configMap('good'));
  await first.flush();
  const folder = (kind: string) => {
    mkdirSync(join(dir, 'default', kind), { recursive: true });
    return join(dir, 'default', kind);
  };
  const bad: Record<string, [string, string, RegExp]> = {
    empty: [folder('event'), '', /empty/],
    truncated: [folder('configmap'), '{"apiVersion":"v1","kind":"Conf', /not JSON: /],
    array: [folder('configmap'), '[1,2]', /not a JSON object/],
    'other-name': [folder('configmap'), JSON.stringify(configMap('someone-else')), /metadata.name is someone-else/],
    'other-kind': [folder('configmap'), JSON.stringify({ ...configMap('other-kind'), kind: 'Secret' }), /kind is Secret/],
  };
  for (const [name, [where, text]] of Object.entries(bad)) writeFileSync(join(where, `${name}.json`), text);

  const store = new FileStore(dir);
  assert.deepEqual(store.listSync('ConfigMap').map((o) => o.metadata.name), ['good']);
  assert.equal(store.setAside.length, 5);
  for (const [name, [where, text, reason]] of Object.entries(bad)) {
    const found = store.setAside.find((s) => s.name === name);
    assert.ok(found, name);
    assert.equal(found.file, join(where, `${name}.json`));
    assert.match(found.reason, reason);
    assert.match(found.movedTo ?? '', new RegExp(`^${found.file}\\.corrupt-\\d{8}T\\d{6}Z$`));
    assert.equal(existsSync(found.file), false);
    assert.equal(readFileSync(found.movedTo ?? '', 'utf8'), text, 'kept as it was, for whoever wants to look');
  }
  assert.equal(new FileStore(dir).setAside.length, 0, 'set aside once, not again at the next start');
  writeFileSync(join(dir, 'default', 'event', 'empty.json'), '');
  const again = new FileStore(dir).setAside[0];
  assert.notEqual(again?.movedTo, store.setAside.find((s) => s.name === 'empty')!.movedTo, 'a file set aside in the same second does not replace the first');
  assert.equal(readdirSync(join(dir, 'default', 'event')).length, 2);
}));

test('a write that fails changes nothing: get shows the old object, no watcher hears of it, and the caller gets the error', withDir(async (dir) => {
  const store = new FileStore(dir);
  await store.apply(configMap('cm', { a: '1' }));
  const events: WatchEvent[] = [];
  store.on('change', (e) => events.push(e));
  // A regular file where the kind's folder is: every write into it fails, even as root.
  const kindFolder = join(dir, 'default', 'configmap');
  renameSync(kindFolder, `${kindFolder}.away`);
  writeFileSync(kindFolder, '');

  await assert.rejects(store.apply(configMap('cm', { a: '2' })), (e: unknown) => e instanceof StoreWriteError && /could not store ConfigMap\/cm in .*cm\.json: /.test(e.message));
  await assert.rejects(store.apply(configMap('new')), StoreWriteError);
  await assert.rejects(store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'x' }), StoreWriteError);
  assert.deepEqual(store.getSync('ConfigMap', 'default', 'cm')?.data, { a: '1' });
  assert.equal(store.getSync('ConfigMap', 'default', 'cm')?.status, undefined);
  assert.equal(store.getSync('ConfigMap', 'default', 'new'), undefined);
  assert.deepEqual(events, []);

  rmSync(kindFolder);
  renameSync(`${kindFolder}.away`, kindFolder);
  assert.equal((await store.apply(configMap('cm', { a: '2' }))).action, 'configured');
  assert.equal(events.length, 1);
  assert.deepEqual(new FileStore(dir).getSync('ConfigMap', 'default', 'cm')?.data, { a: '2' });
}));

test('a status equal to the stored one is not written: no new resourceVersion, no watch event', withDir(async (dir) => {
  const store = new FileStore(dir);
  await store.apply(configMap('cm'));
  await store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'ready', error: undefined });
  const version = store.getSync('ConfigMap', 'default', 'cm')?.metadata.resourceVersion;
  const events: WatchEvent[] = [];
  store.on('change', (e) => events.push(e));
  // The same status, with a member set to undefined as a planner writes it, and after a restart.
  await store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'ready', error: undefined });
  await store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'ready' });
  const restarted = new FileStore(dir);
  await restarted.updateStatus('ConfigMap', 'default', 'cm', { error: undefined, phase: 'ready' });
  assert.equal(store.getSync('ConfigMap', 'default', 'cm')?.metadata.resourceVersion, version);
  assert.equal(restarted.getSync('ConfigMap', 'default', 'cm')?.metadata.resourceVersion, version);
  assert.deepEqual(events, []);
  await store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'failed' });
  assert.equal(events.length, 1);
}));

test('an object over 1.5 MiB is refused and nothing is written', withDir(async (dir) => {
  const store = new FileStore(dir);
  await assert.rejects(store.apply(configMap('huge', { blob: 'x'.repeat(1.6 * 1024 * 1024) })), (e: unknown) => e instanceof TooLargeError && /ConfigMap\/huge: the object is 1\.6 MiB \(\d+ bytes\) serialized; the limit is 1572864 bytes \(1\.5 MiB\)/.test(e.message));
  assert.equal(store.getSync('ConfigMap', 'default', 'huge'), undefined);
  assert.equal(existsSync(join(dir, 'default')), false);
  await store.apply(configMap('fits', { blob: 'x'.repeat(1024 * 1024) }));
}));

test('changes of one object made at once are applied one after the other, none lost', withDir(async (dir) => {
  const store = new FileStore(dir);
  await store.apply(configMap('cm', { a: '1' }));
  await Promise.all([
    store.apply(configMap('cm', { a: '2' })),
    store.updateStatus('ConfigMap', 'default', 'cm', { phase: 'ready' }),
    store.patchMetadata('ConfigMap', 'default', 'cm', { annotations: { note: 'kept' } }),
  ]);
  const stored = new FileStore(dir).getSync('ConfigMap', 'default', 'cm');
  assert.deepEqual(stored?.data, { a: '2' });
  assert.deepEqual(stored?.status, { phase: 'ready' });
  assert.deepEqual(stored?.metadata.annotations, { note: 'kept' });
  assert.deepEqual(readdirSync(join(dir, 'default', 'configmap')), ['cm.json']);
}));

test('a status written with the status it was computed from keeps the fields another writer changed since', withDir(async (dir) => {
  const store = new FileStore(dir);
  await store.apply(configMap('cm'));
  await store.updateStatus('ConfigMap', 'default', 'cm', { targetPrimary: 'pg-1', phase: 'healthy' });
  const read = (await store.get('ConfigMap', 'default', 'cm'))?.status;
  await store.updateStatus('ConfigMap', 'default', 'cm', { targetPrimary: 'pg-2', phase: 'healthy' });
  await store.updateStatus('ConfigMap', 'default', 'cm', { targetPrimary: 'pg-1', phase: 'failing' }, read);
  assert.deepEqual((await store.get('ConfigMap', 'default', 'cm'))?.status, { targetPrimary: 'pg-2', phase: 'failing' });
}));
