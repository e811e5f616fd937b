import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hotStandbyMinimums } from './hot-standby.js';

/** pg_controldata of PostgreSQL 15 (LC_ALL=C) for a primary that ran with max_connections 200. */
const CONTROL_DATA = `pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7715531166528996346
Database cluster state:               shut down
pg_control last modified:             Fri Dec  4 19:21:28 2026
Latest checkpoint location:           0/1500718
Latest checkpoint's REDO location:    0/1500718
Latest checkpoint's REDO WAL file:    000000010000000000000001
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
Latest checkpoint's full_page_writes: on
Latest checkpoint's NextXID:          0:724
Latest checkpoint's NextOID:          13572
Latest checkpoint's NextMultiXactId:  1
Latest checkpoint's NextMultiOffset:  0
Latest checkpoint's oldestXID:        716
Latest checkpoint's oldestXID's DB:   1
Latest checkpoint's oldestActiveXID:  0
Latest checkpoint's oldestMultiXid:   1
Latest checkpoint's oldestMulti's DB: 1
Latest checkpoint's oldestCommitTsXid:0
Latest checkpoint's newestCommitTsXid:0
Time of latest checkpoint:            Fri Dec  4 19:21:28 2026
Fake LSN counter for unlogged rels:   0/3E8
Minimum recovery ending location:     0/0
Min recovery ending loc's timeline:   0
Backup start location:                0/0
Backup end location:                  0/0
End-of-backup record required:        no
wal_level setting:                    replica
wal_log_hints setting:                off
max_connections setting:              200
max_worker_processes setting:         8
max_wal_senders setting:              10
max_prepared_xacts setting:           0
max_locks_per_xact setting:           64
track_commit_timestamp setting:       off
Maximum data alignment:               8
Database block size:                  8192
Blocks per segment of large relation: 131072
WAL block size:                       8192
Bytes per WAL segment:                16777216
Maximum length of identifiers:        64
Maximum columns in an index:          32
Maximum size of a TOAST chunk:        1996
Size of a large-object chunk:         2048
Date/time type storage:               64-bit integers
Float8 argument passing:              by value
Data page checksum version:           0
Mock authentication nonce:            7a941ca5109276948b0e246e30f4bd2ce28923c1d7256697b1d75be377ad54c6
`;

test('a standby configured below what its data recorded of the primary is raised to it, and only there', () => {
  assert.deepEqual(hotStandbyMinimums(CONTROL_DATA, { max_connections: '150', max_worker_processes: '32' }), { max_connections: '200' });
  assert.deepEqual(hotStandbyMinimums(CONTROL_DATA, { max_connections: '300', max_worker_processes: '8', max_wal_senders: '10' }), {});
});

test('a setting left unset counts at PostgreSQL\'s default', () => {
  const defaults = CONTROL_DATA.replace(/^max_connections setting:\s+200$/m, 'max_connections setting:              100');
  assert.deepEqual(hotStandbyMinimums(defaults, {}), {});
  const raisedLocks = CONTROL_DATA.replace(/^max_locks_per_xact setting:\s+64$/m, 'max_locks_per_xact setting:           128');
  assert.deepEqual(hotStandbyMinimums(raisedLocks, { max_connections: '200' }), { max_locks_per_transaction: '128' });
});

test('output without the settings raises nothing', () => {
  assert.deepEqual(hotStandbyMinimums('pg_controldata: fatal: could not open file', {}), {});
});
