import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBootstrapped } from './bootstrap.js';
import { instancePaths } from './paths.js';
import { stageSnapshotVolumes } from './snapshot-in-place.js';
import { placeSnapshot, stagedSnapshot } from './snapshot-recovery.js';
import type { InstanceSpec } from './spec.js';

/** A data volume and a WAL volume as the CSI driver makes them from snapshots of another instance's. */
function restoredVolumes() {
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-in-place-'));
  const paths = instancePaths(join(dir, 'data'));
  const walDirectory = join(dir, 'wal', 'pg_wal');
  // As a kubelet leaves a restored volume under the Pod's fsGroup: group access throughout.
  mkdirSync(paths.pgdata, { recursive: true, mode: 0o770 });
  chmodSync(paths.pgdata, 0o2770);
  writeFileSync(join(paths.pgdata, 'PG_VERSION'), '16\n');
  writeFileSync(join(paths.pgdata, 'postgresql.auto.conf'), "primary_conninfo = 'host=elsewhere'\n");
  writeFileSync(join(paths.pgdata, 'standby.signal'), '');
  writeFileSync(join(paths.root, 'bootstrapped'), 'then\n');
  mkdirSync(join(paths.archiveSpool, 'store'), { recursive: true });
  mkdirSync(walDirectory, { recursive: true });
  writeFileSync(join(walDirectory, '000000010000000000000003'), 'wal');
  const spec = {
    role: 'primary',
    storage: { walDirectory, tablespaces: [] },
    bootstrap: { kind: 'snapshot', snapshots: { storage: 'b1', walStorage: 'b1-wal' }, database: 'app', owner: 'app', inPlace: { volume: 'claim-uid-1', backupLabel: 'START WAL LOCATION: 0/3000028\n' } },
  } as unknown as InstanceSpec;
  return { dir, paths, walDirectory, spec };
}

test('volumes made from snapshots are staged once: the source’s PGDATA and WAL set aside on their volumes, its bootstrap forgotten, the backup_label written back', (t) => {
  const { dir, paths, walDirectory, spec } = restoredVolumes();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(stageSnapshotVolumes(paths, spec), true);
  const staged = stagedSnapshot(paths, spec.storage, true);
  assert.equal(staged.wal, join(dir, 'wal', 'snapshot-restore'));
  assert.equal(readFileSync(join(staged.data, 'backup_label'), 'utf8'), 'START WAL LOCATION: 0/3000028\n');
  assert.ok(existsSync(join(staged.wal, '000000010000000000000003')));
  assert.equal(existsSync(paths.pgdata), false);
  assert.equal(isBootstrapped(paths), false);
  assert.equal(existsSync(paths.archiveSpool), false);
  // Started again (a Pod restarted before its bootstrap ended, or long after): nothing moves.
  assert.equal(stageSnapshotVolumes(paths, spec), false);

  const { online } = placeSnapshot(paths, spec.storage, staged);
  assert.equal(online, true);
  assert.equal(statSync(paths.pgdata).mode & 0o077, 0, 'PostgreSQL refuses a data folder with group access');
  assert.equal(readlinkSync(join(paths.pgdata, 'pg_wal')), walDirectory);
  assert.ok(existsSync(join(walDirectory, '000000010000000000000003')));
  assert.equal(existsSync(join(paths.pgdata, 'standby.signal')), false);
  assert.doesNotMatch(readFileSync(join(paths.pgdata, 'postgresql.auto.conf'), 'utf8'), /elsewhere/);
  assert.equal(existsSync(staged.wal), false);
});

test('nothing is staged for a standby, an instance whose volume was not made from a snapshot, or a volume staged before', (t) => {
  const { dir, paths, spec } = restoredVolumes();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bootstrap = spec.bootstrap as Extract<InstanceSpec['bootstrap'], { kind: 'snapshot' }>;
  assert.equal(stageSnapshotVolumes(paths, { ...spec, role: 'replica' }), false);
  assert.equal(stageSnapshotVolumes(paths, { ...spec, bootstrap: { ...bootstrap, inPlace: undefined } }), false);
  writeFileSync(join(paths.root, 'snapshot-volume'), 'claim-uid-1\n');
  assert.equal(stageSnapshotVolumes(paths, spec), false);
  assert.ok(existsSync(join(paths.pgdata, 'PG_VERSION')));
  assert.equal(isBootstrapped(paths), true);
});

test('a volume without a data folder is refused, saying which snapshot', (t) => {
  const { dir, paths, spec } = restoredVolumes();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  rmSync(paths.pgdata, { recursive: true });
  assert.throws(() => stageSnapshotVolumes(paths, spec), /VolumeSnapshot b1 holds no PostgreSQL data folder/);
});
