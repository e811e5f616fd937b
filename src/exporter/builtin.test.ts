import test from 'node:test';
import assert from 'node:assert/strict';
import { addClusterFacts, requestedSyncStandbys } from './builtin.js';
import { FamilySet } from './family.js';
import { NO_FACTS } from './settings.js';

test('synchronous standbys requested by synchronous_standby_names', () => {
  assert.equal(requestedSyncStandbys(''), 0);
  assert.equal(requestedSyncStandbys('ANY 2 ("a","b","c")'), 2);
  assert.equal(requestedSyncStandbys('FIRST 1 (a, b)'), 1);
  assert.equal(requestedSyncStandbys('3 (a,b,c)'), 3);
  assert.equal(requestedSyncStandbys('a, b'), 1);
});

test('cluster facts become the cnpg_collector_* gauges, times as Unix seconds and 0 when unknown', () => {
  const set = new FamilySet();
  addClusterFacts(set, {
    cluster: 'c',
    defaultDatabase: 'app',
    fenced: true,
    monitoring: {
      queries: [],
      queriesTtlSeconds: 30,
      facts: { ...NO_FACTS, replicaMode: true, nodesUsed: 3, syncReplicas: { min: 1, max: 2, expected: 1 }, lastAvailableBackup: '2024-05-01T10:00:00Z' },
    },
  });
  const value = (name: string, labels: Record<string, string> = {}) => set.families.find((f) => f.name === `cnpg_collector_${name}`)?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
  assert.equal(value('fencing_on'), 1);
  assert.equal(value('replica_mode'), 1);
  assert.equal(value('manual_switchover_required'), 0);
  assert.equal(value('nodes_used'), 3);
  assert.equal(value('last_available_backup_timestamp'), Date.UTC(2024, 4, 1, 10) / 1000);
  assert.equal(value('first_recoverability_point'), 0);
  assert.equal(value('sync_replicas', { value: 'max' }), 2);
  assert.ok(set.families.every((f) => f.type === 'gauge'));
});

test("with the Barman Cloud plugin as archiver, the backup times are also under the plugin's metric names", () => {
  const settings = (facts: Partial<typeof NO_FACTS>) => ({ cluster: 'c', defaultDatabase: 'app', fenced: false, monitoring: { queries: [], queriesTtlSeconds: 30, facts: { ...NO_FACTS, ...facts } } });
  const names = (set: FamilySet) => set.families.map((f) => f.name).filter((n) => n.startsWith('barman_cloud_cloudnative_pg_io_'));
  const plain = new FamilySet();
  addClusterFacts(plain, settings({ lastAvailableBackup: '2024-05-01T10:00:00Z' }));
  assert.deepEqual(names(plain), []);
  const plugin = new FamilySet();
  addClusterFacts(plugin, settings({ lastAvailableBackup: '2024-05-01T10:00:00Z', barmanCloudPlugin: true }));
  assert.deepEqual(names(plugin).sort(), ['barman_cloud_cloudnative_pg_io_first_recoverability_point', 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', 'barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp']);
  assert.equal(plugin.families.find((f) => f.name === 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp')?.samples[0]?.value, Date.parse('2024-05-01T10:00:00Z') / 1000);
});
