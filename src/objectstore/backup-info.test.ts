import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { newBackupId, parseBackupInfo, renderBackupInfo, type BackupInfo } from './backup-info.js';

// Written by barman 3.4's own BackupInfo.save (see testdata/).
const BARMAN_FILE = readFileSync(new URL('../../../src/objectstore/testdata/barman-3.4-backup.info', import.meta.url), 'utf8');

test('parseBackupInfo reads a file written by barman', () => {
  const info = parseBackupInfo(BARMAN_FILE, '20240115T134100');
  assert.equal(info.backupId, '20240115T134100');
  assert.equal(info.backupName, 'backup-example');
  assert.equal(info.status, 'DONE');
  assert.equal(info.beginTime?.toISOString(), '2024-01-15T13:41:00.123Z');
  assert.equal(info.endTime?.toISOString(), '2024-01-15T12:41:05.000Z');
  assert.equal(info.beginWal, '000000010000000000000002');
  assert.equal(info.endXlog, '0/2000100');
  assert.equal(info.beginOffset, 40);
  assert.equal(info.version, 150004);
  assert.equal(info.timeline, 1);
  assert.equal(info.systemId, '7324486423712345678');
  assert.equal(info.compression, undefined);
  assert.equal(info.deduplicatedSize, undefined);
  assert.deepEqual(info.tablespaces, [{ name: 'tbs1', oid: 16385, location: "/tbs/it's" }]);
  assert.deepEqual(info.includedFiles, ['/var/lib/postgresql/data/pgdata/custom.conf']);
  assert.deepEqual(info.copyStats, { total_time: 5.25, number_of_workers: 2, analysis_time: 0, copy_time: 4.9 });
  assert.match(info.backupLabel ?? '', /^START WAL LOCATION: 0\/2000028 \(file 000000010000000000000002\)\nCHECKPOINT/);
  assert.equal(info.extra, undefined);
});

test('renderBackupInfo writes the same lines barman writes', () => {
  const info = parseBackupInfo(BARMAN_FILE, '20240115T134100');
  // Times are re-written in UTC with millisecond precision; everything else is byte-identical.
  const normalize = (t: string) => t.split('\n').filter((l) => !/^(begin|end)_time=/.test(l));
  assert.deepEqual(normalize(renderBackupInfo(info)), normalize(BARMAN_FILE));
  assert.match(renderBackupInfo(info), /^begin_time=2024-01-15 13:41:00\.123000\+00:00$/m);
  assert.match(renderBackupInfo(info), /^end_time=2024-01-15 12:41:05\+00:00$/m);
});

test('renderBackupInfo and parseBackupInfo round-trip ours', () => {
  const info: BackupInfo = {
    backupId: '20240201T000000',
    status: 'FAILED',
    serverName: 'pg',
    mode: 'cnpg-ts',
    beginTime: new Date('2024-02-01T00:00:00.5Z'),
    beginWal: '000000020000000000000010',
    beginXlog: '0/10000028',
    timeline: 2,
    compression: 'snappy',
    error: 'failure\ncopying data',
    backupLabel: "LABEL: it's \"here\"\\\n",
    xlogSegmentSize: 16777216,
  };
  const text = renderBackupInfo(info);
  assert.match(text, /^error=failure copying data$/m);
  assert.doesNotMatch(text, /^backup_name=/m);
  assert.deepEqual(parseBackupInfo(text, info.backupId), { ...info, error: 'failure copying data' });
  assert.equal(renderBackupInfo(parseBackupInfo(text, info.backupId)), text);
});

test('parseBackupInfo keeps unknown keys and rejects garbage', () => {
  assert.deepEqual(parseBackupInfo('status=DONE\ncluster_size=123\n', 'x').extra, { cluster_size: '123' });
  assert.throws(() => parseBackupInfo('this is not a backup.info'), /key=value/);
  assert.throws(() => parseBackupInfo('status=MAYBE'), /unknown status/);
  assert.throws(() => parseBackupInfo('status=DONE\ntimeline=one'), /not an integer/);
  assert.throws(() => parseBackupInfo("status=DONE\nbackup_label='open"), /backup_label/);
});

test('newBackupId is YYYYMMDDTHHMMSS in UTC', () => {
  assert.equal(newBackupId(new Date('2022-06-16T14:22:36.999Z')), '20220616T142236');
});
