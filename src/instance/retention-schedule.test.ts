import test, { mock } from 'node:test';
import assert from 'node:assert/strict';
import { RetentionLoop, UPKEEP_MS, nextRetentionAt, retentionWithUpkeep, timerDelayMs } from './retention-schedule.js';

test('the in-tree form applies retention at every upkeep; a store with an interval of its own does not', () => {
  assert.equal(retentionWithUpkeep(undefined), true);
  assert.equal(retentionWithUpkeep(1800), false);
  assert.equal(retentionWithUpkeep(0), false);
});

test("an ObjectStore's interval, as the plugin keeps it: after success the interval, after a failure or with 0 five minutes", () => {
  const now = 1_000_000;
  assert.equal(nextRetentionAt(1800, true, now), now + 1_800_000);
  assert.equal(nextRetentionAt(60, true, now), now + 60_000);
  assert.equal(nextRetentionAt(1800, false, now), now + UPKEEP_MS);
  assert.equal(nextRetentionAt(0, true, now), now + UPKEEP_MS);
  assert.equal(UPKEEP_MS, 300_000);
});

test('a wait longer than a timer can hold fires early and is set again; an overdue cycle runs at once', () => {
  assert.equal(timerDelayMs(5_000, 1_000), 4_000);
  assert.equal(timerDelayMs(1_000, 5_000), 0);
  const year = 365 * 86_400_000;
  assert.equal(timerDelayMs(year, 0), 2 ** 31 - 1);
});

/** Lets the loop's promise callbacks run between timer ticks. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

test('the loop applies the policy at start, then every interval; a failure retries in five minutes; a new interval applies from the next cycle', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let interval: number | undefined = 600;
    const outcomes = [true, false, true, true];
    const applied: number[] = [];
    const loop = new RetentionLoop(() => interval, async () => {
      applied.push(Date.now());
      return outcomes.shift() ?? true;
    });
    loop.start();
    mock.timers.tick(0);
    await settle();
    assert.deepEqual(applied, [0], 'at start');
    mock.timers.tick(599_000);
    await settle();
    assert.deepEqual(applied, [0], 'not before the interval');
    mock.timers.tick(1_000);
    await settle();
    assert.deepEqual(applied, [0, 600_000], 'after the interval');
    mock.timers.tick(UPKEEP_MS);
    await settle();
    assert.deepEqual(applied, [0, 600_000, 900_000], 'five minutes after the failed cycle');
    interval = 60;
    mock.timers.tick(600_000);
    await settle();
    mock.timers.tick(60_000);
    await settle();
    assert.deepEqual(applied, [0, 600_000, 900_000, 1_500_000, 1_560_000], 'the new interval from the next cycle');
    loop.stop();
    mock.timers.tick(3_600_000);
    await settle();
    assert.equal(applied.length, 5, 'stopped');
  } finally {
    mock.timers.reset();
  }
});

test('in the in-tree form the loop applies nothing: the upkeep does', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let calls = 0;
    const loop = new RetentionLoop(() => undefined, async () => {
      calls++;
      return true;
    });
    loop.start();
    mock.timers.tick(0);
    await settle();
    mock.timers.tick(3 * UPKEEP_MS);
    await settle();
    assert.equal(calls, 0);
    loop.stop();
  } finally {
    mock.timers.reset();
  }
});
