import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../api/repo-root.js';
import { latestCheckpointLocation, parseControlData } from './controldata.js';
import { hotStandbyMinimums } from './hot-standby.js';

// Real output of PostgreSQL 15's pg_controldata (LC_ALL=C) on a freshly initialised data folder.
const output = readFileSync(join(repoRoot(), 'test', 'fixtures', 'postgres', 'pg_controldata-15.txt'), 'utf8');

test('every line of pg_controldata becomes a field, values with colons of their own included', () => {
  const fields = parseControlData(output);
  assert.equal(fields.get('Database cluster state'), 'shut down');
  assert.equal(fields.get('pg_control last modified'), 'Sat Dec  5 00:28:58 2026');
  assert.equal(fields.get("Latest checkpoint's NextXID"), '0:724');
  assert.equal(fields.get("Latest checkpoint's oldestCommitTsXid"), '0', 'a label with no space before its value');
  assert.equal(fields.get('max_connections setting'), '100');
});

test('the latest checkpoint location is read as an LSN', () => {
  assert.equal(latestCheckpointLocation(output), '0/1500718');
  assert.throws(() => latestCheckpointLocation(output.replace(/^Latest checkpoint location:.*$/m, '')), /did not report the latest checkpoint location/);
  assert.throws(() => latestCheckpointLocation('Latest checkpoint location: soon\n'), /did not report/);
});

test('the hot-standby minimums read the same report', () => {
  assert.deepEqual(hotStandbyMinimums(output, { max_connections: '50', max_wal_senders: '10' }), { max_connections: '100' });
});
