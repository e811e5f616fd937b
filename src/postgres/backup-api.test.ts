import test from 'node:test';
import assert from 'node:assert/strict';
import { backupApi, labelTimeline } from './backup-api.js';

test('the low-level backup API is named per major, non-exclusive, the wait for the archive a parameter', () => {
  assert.match(backupApi(150004).start, /pg_backup_start\(\$1, \$2\)/);
  assert.match(backupApi(170009).stop, /pg_backup_stop\(\$1\)/);
  assert.match(backupApi(140010).start, /pg_start_backup\(\$1, \$2, false\)/);
  assert.match(backupApi(140010).stop, /pg_stop_backup\(false, \$1\)/);
});

test("the backup's timeline comes from its label", () => {
  const label = 'START WAL LOCATION: 0/5000028 (file 000000020000000000000005)\nCHECKPOINT LOCATION: 0/5000060\nBACKUP METHOD: streamed\nBACKUP FROM: standby\nSTART TIME: 2026-12-06 08:00:00 UTC\nLABEL: x\nSTART TIMELINE: 2\n';
  assert.equal(labelTimeline(label), 2);
  assert.equal(labelTimeline('LABEL: x\n'), undefined);
});
