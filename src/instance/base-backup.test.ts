import test from 'node:test';
import assert from 'node:assert/strict';
import { backupSegments } from './base-backup.js';

test('the WAL a backup carries: every segment from its start to its stop', () => {
  assert.deepEqual(backupSegments(1, '0/2000028', '0/2000138', 16 * 1024 * 1024), ['000000010000000000000002']);
  assert.deepEqual(backupSegments(3, '0/FF000028', '1/1000000', 16 * 1024 * 1024), ['0000000300000000000000FF', '000000030000000100000000', '000000030000000100000001']);
});
