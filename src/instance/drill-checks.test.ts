import test from 'node:test';
import assert from 'node:assert/strict';
import { archiveEndWal, historySwitchpoint, recoveredWal, replayReachedEnd } from './drill-checks.js';

test('the archive ends at its newest plain segment, whatever the timeline and the other files', () => {
  assert.equal(
    archiveEndWal(['000000010000000000000003', '000000010000000000000004.00000028.backup', '00000002.history', '000000020000000000000005.partial', '000000020000000000000004', '000000010000000000000002']),
    '000000020000000000000004',
  );
  assert.equal(archiveEndWal(['00000002.history']), undefined);
});

test('the switchpoint is the last line of the history file', () => {
  assert.deepEqual(historySwitchpoint('1\t0/3000000\tno recovery target specified\n'), { parentTimeline: 1, lsn: '0/3000000' });
  assert.deepEqual(historySwitchpoint('1\t0/3000000\tx\n\n2\t0/5A0000D8\tno recovery target specified\n'), { parentTimeline: 2, lsn: '0/5A0000D8' });
  assert.equal(historySwitchpoint('garbage'), undefined);
});

test('replay ending on a segment boundary reached the segment before it', () => {
  assert.equal(recoveredWal(1, '0/6000000'), '000000010000000000000005');
  assert.equal(recoveredWal(1, '0/60000D8'), '000000010000000000000006');
});

test('replay that stopped before the newest archived segment did not reach the end', () => {
  assert.equal(replayReachedEnd('000000010000000000000005', '000000010000000000000005'), true);
  assert.equal(replayReachedEnd('000000010000000000000006', '000000010000000000000005'), true);
  assert.equal(replayReachedEnd('000000010000000000000004', '000000010000000000000005'), false);
  assert.equal(replayReachedEnd('000000010000000000000004', undefined), true);
});
