import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWalFileName, parseWalObjectName, walKey } from './wal-names.js';

test('walKey lays out WAL objects like barman hash_dir', () => {
  const cases: [string, Parameters<typeof walKey>[2], string][] = [
    ['000000010000000000000003', undefined, 'pg/wals/0000000100000000/000000010000000000000003'],
    ['000000010000000000000003', 'gzip', 'pg/wals/0000000100000000/000000010000000000000003.gz'],
    ['00000002000000A1000000FF', 'bzip2', 'pg/wals/00000002000000A1/00000002000000A1000000FF.bz2'],
    ['000000010000000000000003.partial', 'snappy', 'pg/wals/0000000100000000/000000010000000000000003.partial.snappy'],
    ['000000010000000000000003.00000028.backup', undefined, 'pg/wals/0000000100000000/000000010000000000000003.00000028.backup'],
    ['00000002.history', undefined, 'pg/wals/00000002.history'],
    ['00000002.history', 'zstd', 'pg/wals/00000002.history.zst'],
    ['000000010000000000000003', 'xz', 'pg/wals/0000000100000000/000000010000000000000003.xz'],
    ['000000010000000000000003', 'lz4', 'pg/wals/0000000100000000/000000010000000000000003.lz4'],
  ];
  for (const [name, compression, key] of cases) assert.equal(walKey('pg', name, compression), key);
});

test('walKey refuses names that are not WAL files', () => {
  assert.throws(() => walKey('pg', 'backup_label'));
  assert.throws(() => walKey('pg', '0000000100000000000000'));
});

test('parseWalFileName classifies segments, partials, backup labels and history', () => {
  assert.deepEqual(parseWalFileName('000000030000000000000003'), { name: '000000030000000000000003', kind: 'segment', timeline: 3 });
  assert.equal(parseWalFileName('000000010000000000000003.partial')?.kind, 'partial');
  assert.equal(parseWalFileName('000000010000000000000003.00000028.backup')?.kind, 'backup');
  assert.deepEqual(parseWalFileName('0000000A.history'), { name: '0000000A.history', kind: 'history', timeline: 10 });
  assert.equal(parseWalFileName('000000010000000000000003.gz'), undefined);
});

test('parseWalObjectName strips one known compression suffix', () => {
  assert.deepEqual(parseWalObjectName('000000010000000000000003'), { name: '000000010000000000000003' });
  assert.deepEqual(parseWalObjectName('000000010000000000000003.gz'), { name: '000000010000000000000003', compression: 'gzip' });
  assert.deepEqual(parseWalObjectName('00000002.history.snappy'), { name: '00000002.history', compression: 'snappy' });
  assert.equal(parseWalObjectName('000000010000000000000003.gz.tmp'), undefined);
  assert.equal(parseWalObjectName('notes.txt'), undefined);
});
