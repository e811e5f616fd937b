import assert from 'node:assert/strict';
import { test } from 'node:test';
import { putOptionsFor } from './put-policy.js';

const policy = { walEncryption: 'aws:kms', dataEncryption: 'AES256', tags: { team: 'db' }, historyTags: { kind: 'history' } } as const;

test('WAL takes the wal settings, everything else the data settings', () => {
  assert.deepEqual(putOptionsFor('pg/wals/0000000100000000/000000010000000000000001.gz', policy), { encryption: 'aws:kms', tags: { team: 'db' } });
  assert.deepEqual(putOptionsFor('pg/base/20240115T134100/data.tar.gz', policy), { encryption: 'AES256', tags: { team: 'db' } });
  assert.deepEqual(putOptionsFor('pg/base/20240115T134100/backup.info', policy), { encryption: 'AES256', tags: { team: 'db' } });
});

test('history files take historyTags instead of tags, compressed or not; tags when there are none', () => {
  assert.deepEqual(putOptionsFor('pg/wals/00000002.history', policy), { encryption: 'aws:kms', tags: { kind: 'history' } });
  assert.deepEqual(putOptionsFor('pg/wals/00000002.history.gz', policy), { encryption: 'aws:kms', tags: { kind: 'history' } });
  assert.deepEqual(putOptionsFor('pg/wals/00000002.history', { tags: { team: 'db' }, historyTags: {} }), { tags: { team: 'db' } });
  assert.deepEqual(putOptionsFor('pg/wals/00000002.history', {}), {});
});

test('--min-chunk-size sets the part size of base backup uploads only', () => {
  const sized = { dataPartSizeBytes: 64 * 1024 * 1024 };
  assert.deepEqual(putOptionsFor('pg/base/20240115T134100/data.tar.gz', sized), { partSizeBytes: 64 * 1024 * 1024 });
  assert.deepEqual(putOptionsFor('pg/wals/0000000100000000/000000010000000000000001', sized), {});
});
