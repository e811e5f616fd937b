// bench/backup's pure parts: flags, WAL names and LSNs, the keep-up verdict and the table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './backup/args.js';
import { figureRows, keepUp, nextSegment, parseLsn, ratio, segmentNumber, slope, snapshotRows, table } from './backup/report.js';

test('flags: defaults, --quick only fills what was not given, bad values are refused', () => {
  assert.deepEqual(parseArgs([]), { scale: 70, compression: 'gzip', segments: 64, pgbenchSeconds: 60, jobs: 2, walParallel: 4, syncCommit: false });
  const q = parseArgs(['--quick', '--scale', '7']);
  assert.equal(q.scale, 7);
  assert.equal(q.segments, 16);
  assert.equal(parseArgs(['--compression', 'bzip2', '--sync-commit', 'on']).syncCommit, true);
  assert.throws(() => parseArgs(['--compression', 'snappy']), /--compression/);
  assert.throws(() => parseArgs(['--scale', '0']), /--scale/);
  assert.throws(() => parseArgs(['--scale']), /needs a value/);
  assert.throws(() => parseArgs(['--nope', '1']), /unknown flag/);
});

test('WAL names and LSNs', () => {
  assert.equal(parseLsn('1/0'), 2 ** 32);
  assert.equal(parseLsn('0/1000000'), 16 * 1024 * 1024);
  assert.equal(segmentNumber('0000000100000001000000FF'), 511);
  assert.equal(nextSegment('0000000100000001000000FF'), '000000010000000200000000');
  assert.equal(nextSegment('000000020000000000000008', 16), '000000020000000000000018');
  assert.throws(() => segmentNumber('00000002.history'));
});

test('keep-up: a flat backlog that drains keeps up; a growing one or one that never drains does not', () => {
  const flat = [0, 1, 0, 2, 1, 0, 1, 0].map((backlog, t) => ({ t, backlog }));
  const ok = keepUp([...flat, { t: 9, backlog: 0 }], 7.5);
  assert.equal(ok.keepsUp, true);
  assert.equal(ok.maxBacklog, 2);
  assert.equal(ok.drainedAfter, 0);
  const growing = [0, 1, 2, 3, 4, 5, 6, 7].map((backlog, t) => ({ t, backlog }));
  const bad = keepUp([...growing, { t: 9, backlog: 0 }], 7.5);
  assert.equal(bad.keepsUp, false);
  assert.ok(Math.abs(slope(growing) - 1) < 1e-9);
  const stuck = keepUp([...flat.slice(0, 7), { t: 7, backlog: 5 }, { t: 9, backlog: 5 }, { t: 20, backlog: 3 }], 7.5);
  assert.equal(stuck.drainedAfter, undefined);
  assert.equal(stuck.keepsUp, false);
  assert.equal(stuck.finalBacklog, 3);
  const late = keepUp([...flat.slice(0, 7), { t: 7, backlog: 4 }, { t: 19, backlog: 1 }], 7.5);
  assert.equal(late.keepsUp, false, 'back to ≤ 1 only 11.5 s after pgbench stopped');
});

test('ratio, met and the table', () => {
  assert.equal(ratio(10, 5), 2);
  assert.equal(ratio(10, 0), undefined);
  assert.equal(ratio(undefined, 5), undefined);
  const rows = figureRows([
    { what: 'base backup', unit: 'MB/s', ours: 20, barman: 8, target: 2 },
    { what: 'wal', unit: 'segments/s', ours: 5, barman: 1, target: 10 },
    { what: 'restore', unit: 'MB/s', barman: 3, target: 2 },
    { what: 'keeps up', unit: '', oursText: 'yes', barmanText: 'not run', targetText: 'never behind', met: true },
  ]);
  assert.deepEqual(rows[0], ['base backup', 'MB/s', '20.0', '8.0', '2.50×', '≥ 2×', 'yes']);
  assert.equal(rows[1]?.[6], 'NO');
  assert.deepEqual(rows[2]?.slice(2), ['-', '3.0', '-', '≥ 2×', '-']);
  assert.deepEqual(rows[3]?.slice(2), ['yes', 'not run', '-', 'never behind', 'yes']);
  assert.equal(table(['a', 'bb'], [['xyz', '1']]), '| a   | bb |\n| --- | -- |\n| xyz | 1  |');
});

test('snapshot against object store: seconds both ways and how many times faster the snapshot is', () => {
  assert.deepEqual(snapshotRows([{ what: 'backup', snapshotSeconds: 2, baseSeconds: 10 }]), [['backup', '2.0 s', '10.0 s', '5.00×']]);
  assert.deepEqual(snapshotRows([{ what: 'restore', baseSeconds: 4 }]), [['restore', '-', '4.0 s', '-']]);
});
