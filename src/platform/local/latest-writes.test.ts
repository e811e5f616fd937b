import test from 'node:test';
import assert from 'node:assert/strict';
import { LatestWrites } from './latest-writes.js';

const tick = () => new Promise((r) => setImmediate(r));

test('writes of one file run one at a time; one waiting is replaced by a newer one, and both callers wait for it', async () => {
  const w = new LatestWrites();
  const done: string[] = [];
  let release!: () => void;
  const first = w.run('f', () => new Promise<void>((r) => (release = () => (done.push('v1'), r()))));
  const second = w.run('f', async () => void done.push('v2'));
  const third = w.run('f', async () => void done.push('v3'));
  const other = w.run('g', async () => void done.push('g1'));
  await other;
  assert.deepEqual(done, ['g1'], 'another file does not wait');
  let secondDone = false;
  void second.then(() => (secondDone = true));
  await tick();
  assert.equal(secondDone, false, 'not answered before the newer write is on disk');
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(done, ['g1', 'v1', 'v3']);
  await w.idle();
});

test('a failed write rejects its callers only; the next write of the file still runs', async () => {
  const w = new LatestWrites();
  const failing = w.run('f', async () => {
    await tick();
    throw new Error('disk full');
  });
  const after = w.run('f', async () => undefined);
  await assert.rejects(failing, /disk full/);
  await after;
  await w.idle();
});
