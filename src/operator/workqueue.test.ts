import test from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.js';
import { setTimeout as sleep } from 'node:timers/promises';
// Each test stops its queue after it, pass or fail: a queue's timers left running hold the test
// process open for ever (a failed assertion once hung the whole unit run).

test('a key never runs twice at once and requests during a run collapse into one more', async (t) => {
  t.after(() => q.stop());
  let concurrent = 0;
  let maxConcurrent = 0;
  let runs = 0;
  const q = new WorkQueue(async () => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs++;
    await sleep(30);
    concurrent--;
    return {};
  }, () => undefined);
  q.add('a');
  q.add('a');
  q.add('a');
  await sleep(150);
  assert.equal(maxConcurrent, 1);
  assert.equal(runs, 2);
  await q.stop();
});

test('requeueAfterMs schedules another run and errors requeue', async (t) => {
  t.after(() => q.stop());
  let runs = 0;
  const errors: unknown[] = [];
  const q = new WorkQueue(async () => {
    runs++;
    if (runs === 1) return { requeueAfterMs: 10 };
    if (runs === 2) throw new Error('boom');
    return {};
  }, (_k, e) => errors.push(e));
  q.add('k');
  await sleep(80);
  assert.equal(runs, 2);
  assert.equal(errors.length, 1);
  await q.stop();
});

test('maxConcurrent: keys beyond it wait in arrival order, and depth counts them', async (t) => {
  t.after(() => q.stop());
  let concurrent = 0;
  let maxConcurrent = 0;
  const order: string[] = [];
  const q = new WorkQueue(
    async (key) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      order.push(key);
      await sleep(20);
      concurrent--;
      return {};
    },
    () => undefined,
    { maxConcurrent: 2 },
  );
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  q.add('c');
  assert.equal(q.depth, 3, 'c, d and e wait; c only once');
  await sleep(150);
  assert.equal(maxConcurrent, 2);
  assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(q.depth, 0);
  await q.stop();
});

test('a key whose reconcile throws is retried after exponentially growing delays; a success resets them', async (t) => {
  t.after(() => q.stop());
  const at: number[] = [];
  let fail = true;
  const q = new WorkQueue(async () => {
    at.push(performance.now());
    if (fail) throw new Error('boom');
    return {};
  }, () => undefined, { errorBaseMs: 40, errorMaxMs: 160 });
  q.add('k');
  // Timers only promise a lower bound: on a loaded machine they fire late, so the runs are waited
  // for, never counted at a fixed moment; what is checked is that no retry comes before its
  // backoff, that the backoff doubles up to its cap, and that a success resets it.
  const runsBy = async (n: number) => {
    for (let waited = 0; at.length < n && waited < 10_000; waited += 10) await sleep(10);
    assert.ok(at.length >= n, `${n} runs expected, saw ${at.length}`);
  };
  await runsBy(5);
  const gaps = at.slice(1, 5).map((t, i) => t - at[i]!);
  for (const [i, want] of [40, 80, 160, 160].entries()) assert.ok(gaps[i]! >= want - 2, `gap ${i}: ${gaps[i]!.toFixed(0)} ms, before its backoff of ${want}`);
  assert.ok(gaps[3]! < 320, `gap 3: ${gaps[3]!.toFixed(0)} ms: the backoff went past its cap of 160`);
  fail = false;
  await runsBy(at.length + 1);
  const runs = at.length;
  fail = true;
  q.add('k');
  await runsBy(runs + 1);
  await runsBy(runs + 2);
  const again = at[runs + 1]! - at[runs]!;
  assert.ok(again >= 38 && again < 160, `after a success the next backoff was ${again.toFixed(0)} ms: it starts again from its base of 40`);
  await q.stop();
});

test('a key that wakes itself on every run is held to its rate, and other keys still run at once', async (t) => {
  t.after(() => q.stop());
  let loops = 0;
  const others: number[] = [];
  const started = performance.now();
  const q: WorkQueue = new WorkQueue(async (key) => {
    if (key === 'loop') {
      loops++;
      q.add('loop'); // what a status write that triggers the next pass amounts to
    } else others.push(performance.now() - started);
    return {};
  }, () => undefined, { burst: 5, runsPerSecond: 10 });
  q.add('loop');
  await sleep(100);
  q.add('other');
  await sleep(400);
  await q.stop();
  // 5 at once, then 10 a second for 0.5 s: about 10, never hundreds.
  assert.ok(loops >= 8 && loops <= 12, `the looping key ran ${loops} times in 0.5 s`);
  assert.equal(others.length, 1);
  assert.ok(others[0]! < 130, `the other key ran ${others[0]} ms in, 100 ms after it was added`);
});

test('a run the reconciler scheduled itself (requeueAfterMs) does not wait for a token: a failover stepping every 20 ms is not slowed to the bucket rate', async (t) => {
  t.after(() => q.stop());
  let runs = 0;
  const q = new WorkQueue(async () => {
    runs++;
    return { requeueAfterMs: 10 };
  }, () => undefined, { burst: 2, runsPerSecond: 4 });
  q.add('failover');
  await sleep(500);
  await q.stop();
  // Throttled it would run 2 + 4 * 0.5 = 4 times; on its own schedule about 40.
  assert.ok(runs >= 20, `the self-scheduling key ran ${runs} times in 0.5 s`);
});

test('asking again for a throttled key does not bring its run forward', async (t) => {
  t.after(() => q.stop());
  let runs = 0;
  const q = new WorkQueue(async () => {
    runs++;
    return {};
  }, () => undefined, { burst: 1, runsPerSecond: 5 });
  q.add('k');
  await sleep(10);
  for (let i = 0; i < 50; i++) q.add('k');
  await sleep(100);
  assert.equal(runs, 1, 'the second run waits for its token (200 ms)');
  await sleep(150);
  assert.equal(runs, 2, 'and the fifty requests made one run');
  await q.stop();
});

test('with one worker, a key asked for again while it runs goes behind the keys already waiting', async (t) => {
  t.after(() => q.stop());
  const order: string[] = [];
  const q: WorkQueue = new WorkQueue(async (key) => {
    order.push(key);
    if (key === 'a' && order.length < 3) q.add('a');
    await sleep(10);
    return {};
  }, () => undefined, { maxConcurrent: 1 });
  q.add('a');
  q.add('b');
  q.add('c');
  await sleep(120);
  await q.stop();
  assert.deepEqual(order, ['a', 'b', 'c', 'a']);
});
