import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupInfoKey, dataTarKey, parseTarName } from './backup-files.js';

test('base backup keys follow barman-cloud', () => {
  assert.equal(backupInfoKey('pg', '20240115T134100'), 'pg/base/20240115T134100/backup.info');
  assert.equal(dataTarKey('pg', '20240115T134100'), 'pg/base/20240115T134100/data.tar');
  assert.equal(dataTarKey('pg', '20240115T134100', 'gzip'), 'pg/base/20240115T134100/data.tar.gz');
  assert.equal(dataTarKey('pg', '20240115T134100', 'snappy', 2), 'pg/base/20240115T134100/data_0002.tar.snappy');
});

test('parseTarName recognises data, split parts and tablespace tars', () => {
  assert.deepEqual(parseTarName('data.tar'), { base: 'data', part: 0 });
  assert.deepEqual(parseTarName('data.tar.bz2'), { base: 'data', part: 0, compression: 'bzip2' });
  assert.deepEqual(parseTarName('data_0001.tar.gz'), { base: 'data', part: 1, compression: 'gzip' });
  assert.deepEqual(parseTarName('16385.tar.snappy'), { base: '16385', part: 0, compression: 'snappy' });
  assert.equal(parseTarName('backup.info'), undefined);
  assert.equal(parseTarName('data.tar.rar'), undefined);
  assert.equal(parseTarName('datax.tar.gz.tmp'), undefined);
});
