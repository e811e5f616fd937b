import test from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.js';

test('a key never runs twice at once and requests during a run collapse into one more', async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  let runs = 0;
  const q = new WorkQueue(async () => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs++;
    await new Promise((r) => setTimeout(r, 30));
    concurrent--;
    return {};
  }, () => undefined);
  q.add('a');
  q.add('a');
  q.add('a');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(maxConcurrent, 1);
  assert.equal(runs, 2);
  await q.stop();
});

test('requeueAfterMs schedules another run and errors requeue', async () => {
  let runs = 0;
  const errors: unknown[] = [];
  const q = new WorkQueue(async () => {
    runs++;
    if (runs === 1) return { requeueAfterMs: 10 };
    if (runs === 2) throw new Error('boom');
    return {};
  }, (_k, e) => errors.push(e));
  q.add('k');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(runs, 2);
  assert.equal(errors.length, 1);
  await q.stop();
});

test('maxConcurrent: keys beyond it wait in arrival order, and depth counts them', async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  const order: string[] = [];
  const q = new WorkQueue(
    async (key) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      order.push(key);
      await new Promise((r) => setTimeout(r, 20));
      concurrent--;
      return {};
    },
    () => undefined,
    2,
  );
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  q.add('c');
  assert.equal(q.depth, 3, 'c, d and e wait; c only once');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(maxConcurrent, 2);
  assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(q.depth, 0);
  await q.stop();
});
