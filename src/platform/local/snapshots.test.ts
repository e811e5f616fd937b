import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../../api/index.js';
import { LocalSnapshots } from './snapshots.js';

const cluster = { metadata: { name: 'pg', namespace: 'default', uid: 'c1' } } as Cluster;

function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'snap-unit-'));
  const instance = join(root, 'instances', 'pg-2');
  mkdirSync(join(instance, 'pgdata', 'pg_wal'), { recursive: true });
  mkdirSync(join(instance, 'pgdata', 'base'), { recursive: true });
  writeFileSync(join(instance, 'pgdata', 'PG_VERSION'), '15\n');
  writeFileSync(join(instance, 'pgdata', 'base', 'x'), 'rows', { mode: 0o600 });
  writeFileSync(join(instance, 'pgdata', 'pg_wal', '000000010000000000000003'), 'old');
  symlinkSync('../tablespaces', join(instance, 'pgdata', 'cnpg_tablespaces'));
  const snapshots = new LocalSnapshots(join(root, 'snapshots'), () => instance);
  return { root, instance, snapshots };
}

test('a snapshot is a private copy of the data folder, links kept as links; a name is taken once', async () => {
  const { root, snapshots } = setUp();
  try {
    await snapshots.take(cluster, 'pg-2', [{ name: 'b1', type: 'PG_DATA' }]);
    const copy = join(root, 'snapshots', 'default', 'b1', 'data');
    assert.equal(readFileSync(join(copy, 'base', 'x'), 'utf8'), 'rows');
    assert.equal(statSync(join(copy, 'base', 'x')).mode & 0o777, 0o600);
    assert.equal(readlinkSync(join(copy, 'cnpg_tablespaces')), '../tablespaces');
    assert.equal(statSync(join(root, 'snapshots')).mode & 0o777, 0o700);
    await assert.rejects(snapshots.take(cluster, 'pg-2', [{ name: 'b1', type: 'PG_DATA' }]), /snapshot default\/b1 exists already/);
    await assert.rejects(snapshots.take(cluster, 'pg-2', [{ name: 'b2', type: 'PG_WAL' }]), /no folder for PG_WAL/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sealing an online snapshot copies its WAL range again; a restore stages the data with its backup_label', async () => {
  const { root, instance, snapshots } = setUp();
  try {
    const elements = [{ name: 'b1', type: 'PG_DATA' as const }];
    await snapshots.take(cluster, 'pg-2', elements);
    writeFileSync(join(instance, 'pgdata', 'pg_wal', '000000010000000000000003'), 'grown');
    writeFileSync(join(instance, 'pgdata', 'pg_wal', '000000010000000000000004'), 'end');
    writeFileSync(join(instance, 'pgdata', 'pg_wal', '000000010000000000000005'), 'beyond');
    await snapshots.seal(cluster, 'pg-2', elements, {
      cluster: 'pg', backup: 'b1', instance: 'pg-2', online: true, elements, backupLabel: 'START WAL LOCATION: 0/3000028\n', tablespaceMap: '',
      beginWal: '000000010000000000000003', endWal: '000000010000000000000004', takenAt: 'now', owner: { policy: 'backup', backupUid: 'b-uid' },
    });
    const wal = join(root, 'snapshots', 'default', 'b1', 'data', 'pg_wal');
    assert.equal(readFileSync(join(wal, '000000010000000000000003'), 'utf8'), 'grown');
    assert.equal(readFileSync(join(wal, '000000010000000000000004'), 'utf8'), 'end');
    assert.ok(!existsSync(join(wal, '000000010000000000000005')));

    const into = join(root, 'new', 'snapshot-restore');
    mkdirSync(join(root, 'new'));
    await snapshots.stage('default', { storage: 'b1' }, into);
    assert.equal(readFileSync(join(into, 'data', 'backup_label'), 'utf8'), 'START WAL LOCATION: 0/3000028\n');
    assert.ok(!existsSync(join(into, 'data', 'tablespace_map')), 'an empty tablespace_map is not written');
    await assert.rejects(snapshots.stage('default', { storage: 'nope' }, into), /volume snapshot default\/nope .* does not exist/);

    const lookup = (uid?: string) => () => Promise.resolve(uid ? { uid } : undefined);
    assert.deepEqual(await snapshots.collect(lookup('b-uid')), []);
    assert.deepEqual(await snapshots.collect(lookup(undefined)), ['default/b1']);
    assert.ok(!existsSync(join(root, 'snapshots', 'default', 'b1')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
