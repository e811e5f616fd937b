import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileLeaseStore } from './lease-file-store.js';
import { DEFAULT_LEASE_TIMINGS, PrimaryLease, mayTakeOver, releaseLease, type LeaseRecord, type LeaseTimings } from './primary-lease.js';

const held = (holder: string, renewTime = '2026-01-01T00:00:00.000Z'): LeaseRecord => ({ holder, leaseDurationSeconds: 15, renewTime, transitions: 1 });
const fast: LeaseTimings = { leaseDurationSeconds: 1, renewDeadlineSeconds: 1, retryPeriodSeconds: 1, releasedLeaseDurationSeconds: 1 };

function tempStore(t: { after: (fn: () => void) => void }): { store: FileLeaseStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lease-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { store: new FileLeaseStore(join(dir, 'lease.json')), dir };
}

test('mayTakeOver: free or own at once; another holder only once seen unchanged for a whole leaseDuration', () => {
  assert.deepEqual(mayTakeOver('a', held(''), undefined, 0, DEFAULT_LEASE_TIMINGS), { take: true });
  assert.deepEqual(mayTakeOver('a', held('a'), undefined, 0, DEFAULT_LEASE_TIMINGS), { take: true });
  assert.equal(mayTakeOver('a', held('b'), undefined, 0, DEFAULT_LEASE_TIMINGS).take, false);
  const seen = { record: held('b'), atMs: 1000 };
  assert.equal(mayTakeOver('a', held('b'), seen, 1000 + 14_999, DEFAULT_LEASE_TIMINGS).take, false);
  assert.deepEqual(mayTakeOver('a', held('b'), seen, 1000 + 15_000, DEFAULT_LEASE_TIMINGS), { take: true });
  // Renewed meanwhile: the wait starts again, whatever the clocks say.
  assert.equal(mayTakeOver('a', held('b', '2026-01-01T00:00:02.000Z'), seen, 1000 + 60_000, DEFAULT_LEASE_TIMINGS).take, false);
});

test('file store: a write names the version it read; a stale one is refused', async (t) => {
  const { store } = tempStore(t);
  assert.equal(await store.read(), undefined);
  assert.equal(await store.write(held('a'), undefined), true);
  assert.equal(await store.write(held('b'), undefined), false);
  const first = await store.read();
  assert.equal(first?.record.holder, 'a');
  assert.equal(await store.write(held('b'), first!.version), true);
  assert.equal(await store.write(held('c'), first!.version), false);
  assert.equal((await store.read())?.record.holder, 'b');
});

test('file store: a symlink or a file that is no lease is refused without quoting it', async (t) => {
  const { store, dir } = tempStore(t);
  writeFileSync(join(dir, 'secret'), 'root:$y$secret-hash:19000:0:99999:7:::\n');
  symlinkSync(join(dir, 'secret'), join(dir, 'lease.json'));
  await assert.rejects(store.read(), (e: Error) => /not a plain file/.test(e.message) && !e.message.includes('secret-hash'));
  rmSync(join(dir, 'lease.json'));
  writeFileSync(join(dir, 'lease.json'), 'root:$y$secret-hash');
  await assert.rejects(store.read(), (e: Error) => /is not a primary lease/.test(e.message) && !e.message.includes('secret-hash'));
});

test('a candidate takes a released lease at once, and a held one only after it sat unrenewed for leaseDuration', async (t) => {
  const { store } = tempStore(t);
  const lost: string[] = [];
  const a = new PrimaryLease(store, 'pg-1', fast, (h) => lost.push(`pg-1 lost to ${h}`));
  await a.acquire(1000);
  assert.equal((await store.read())?.record.holder, 'pg-1');
  const b = new PrimaryLease(store, 'pg-2', fast, (h) => lost.push(`pg-2 lost to ${h}`));
  t.after(() => [a, b].forEach((l) => l.stop()));
  // pg-1 renews every second: pg-2 cannot take it within 2.5 s.
  await assert.rejects(b.acquire(2500), /waiting for the primary lease: held by pg-1/);
  await a.release();
  const started = Date.now();
  await b.acquire(2000);
  assert.ok(Date.now() - started < 500, 'a released lease is taken at the next look');
  const record = (await store.read())!.record;
  assert.equal(record.holder, 'pg-2');
  assert.equal(record.transitions, 2);
  // pg-2 stops renewing without letting go (its process died): pg-1 waits out leaseDuration, then takes over.
  b.stop();
  const since = Date.now();
  const c = new PrimaryLease(store, 'pg-1', fast, () => undefined);
  await c.acquire(5000);
  assert.ok(Date.now() - since >= 1000, `taken over after ${Date.now() - since} ms, before leaseDuration`);
  await c.release();
  assert.deepEqual(lost, []);
});

test('a primary whose lease another instance took stops being primary (onLost)', async (t) => {
  const { store } = tempStore(t);
  let lostTo: string | undefined;
  const a = new PrimaryLease(store, 'pg-1', fast, (h) => (lostTo = h));
  await a.acquire(1000);
  const current = (await store.read())!;
  assert.equal(await store.write({ ...current.record, holder: 'pg-2' }, current.version), true);
  for (let i = 0; i < 40 && lostTo === undefined; i++) await sleep(100);
  assert.equal(lostTo, 'pg-2');
  assert.equal(a.isHeld, false);
  await a.release();
  assert.equal((await store.read())?.record.holder, 'pg-2', 'a lost lease is not released over its new holder');
});

test('releaseLease lets go only of the holder it names', async (t) => {
  const { store } = tempStore(t);
  await store.write(held('pg-1'), undefined);
  await releaseLease(store, 'pg-2', 1);
  assert.equal((await store.read())?.record.holder, 'pg-1');
  await releaseLease(store, 'pg-1', 1);
  const after = (await store.read())!.record;
  assert.equal(after.holder, '');
  assert.equal(after.leaseDurationSeconds, 1);
});

test('two releases at once share the one write: neither returns before the lease is free', async (t) => {
  const { store } = tempStore(t);
  const a = new PrimaryLease(store, 'pg-1', fast, () => undefined);
  await a.acquire(1000);
  let writes = 0;
  const slow = { createsMissing: true, read: () => store.read(), write: async (r: LeaseRecord, v: string | undefined) => (writes++, await sleep(200), store.write(r, v)) };
  const b = new PrimaryLease(slow, 'pg-1', fast, () => undefined);
  t.after(() => [a, b].forEach((l) => l.stop()));
  await b.acquire(1000);
  const first = b.release();
  await sleep(10);
  await b.release();
  assert.equal((await store.read())?.record.holder, '', 'the second release returned only once the lease was free');
  await first;
  assert.equal(writes, 2, 'one claim and one release');
  await a.release();
});
