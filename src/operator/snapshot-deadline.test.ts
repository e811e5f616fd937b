import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstSnapshotFailure, snapshotErrorVerdict, volumeSnapshotDeadlineMs } from './snapshot-deadline.js';

test('cnpg.io/volumeSnapshotDeadline: whole minutes on the Backup, 10 unless given or not a number', () => {
  const cases: [Record<string, string> | undefined, number][] = [
    [undefined, 600_000],
    [{}, 600_000],
    [{ 'cnpg.io/volumeSnapshotDeadline': '' }, 600_000],
    [{ 'cnpg.io/volumeSnapshotDeadline': '3' }, 180_000],
    [{ 'cnpg.io/volumeSnapshotDeadline': '0' }, 0],
    [{ 'cnpg.io/volumeSnapshotDeadline': '1.5' }, 600_000],
    [{ 'cnpg.io/volumeSnapshotDeadline': '5m' }, 600_000],
  ];
  for (const [annotations, want] of cases) assert.equal(volumeSnapshotDeadlineMs(annotations), want, JSON.stringify(annotations));
});

test('the first error is recorded and retried; later ones retried until the deadline has passed since it', () => {
  const t0 = new Date('2026-12-06T10:00:00Z');
  const first = snapshotErrorVerdict({ phase: 'running' }, { 'cnpg.io/volumeSnapshotDeadline': '2' }, 'boom', t0);
  assert.ok(first.retry);
  assert.equal(firstSnapshotFailure(first.status), t0.getTime() / 1000);
  const at = (seconds: number) => snapshotErrorVerdict(first.status, { 'cnpg.io/volumeSnapshotDeadline': '2' }, 'boom', new Date(t0.getTime() + seconds * 1000));
  const within = at(120);
  assert.ok(within.retry && within.status === first.status, 'exactly at the deadline: still retried, nothing new recorded');
  const past = at(121);
  assert.ok(!past.retry);
  assert.match(past.error, /^deadline exceeded for error boom/);
  assert.equal(firstSnapshotFailure({ pluginMetadata: { cnpg_volumesnapshot: 'not json' } }), undefined);
});
