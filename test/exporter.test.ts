// The exporter of a real instance manager: /metrics on spec.metricsPort with the cnpg_collector_*
// family and CloudNativePG's default queries, custom queries with their conditions, a failing
// query that hides nothing else, the cache, and a new query set taken without a restart.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultMonitoringQueries } from '../src/api/default-monitoring-queries.js';
import { parseMonitoringQueries, type MonitoringQuery } from '../src/api/monitoring-queries.js';
import type { ClusterFacts, MonitoringSpec } from '../src/instance/spec.js';
import { eventually } from './support/env.js';
import { StandaloneInstance } from './support/standalone-instance.js';

const FACTS: ClusterFacts = { replicaMode: false, manualSwitchoverRequired: false, syncReplicas: { min: 0, max: 1, expected: 0 }, nodesUsed: 1 };

function custom(yaml: string): MonitoringQuery[] {
  const { queries, findings } = parseMonitoringQueries(yaml);
  assert.deepEqual(findings, []);
  return queries;
}

const CUSTOM = custom(`
per_database:
  target_databases: ['db_*', app]
  query: SELECT pg_catalog.current_database() AS datname, 1 AS present
  metrics:
    - datname: { usage: LABEL, description: Database }
    - present: { usage: GAUGE, description: Always 1 }
only_on_primary:
  primary: true
  query: SELECT 1 AS value
  metrics:
    - value: { usage: GAUGE, description: Always 1 }
gated_no:
  predicate_query: SELECT NULL::boolean
  query: SELECT 1 AS value
  metrics:
    - value: { usage: GAUGE, description: Never collected }
gated_yes:
  predicate_query: SELECT NOT pg_catalog.pg_is_in_recovery()
  query: SELECT 1 AS value
  metrics:
    - value: { usage: GAUGE, description: Collected on the primary }
future_only:
  runonserver: ">=99.0.0"
  query: SELECT 1 AS value
  metrics:
    - value: { usage: GAUGE, description: Never on this server }
whoami:
  query: SELECT current_user AS role, current_setting('application_name') AS app, current_setting('transaction_read_only') AS ro, 1 AS value
  metrics:
    - role: { usage: LABEL, description: Role }
    - app: { usage: LABEL, description: application_name }
    - ro: { usage: LABEL, description: Read-only transaction }
    - value: { usage: GAUGE, description: Always 1 }
clock:
  query: SELECT EXTRACT(EPOCH FROM pg_catalog.clock_timestamp()) AS now
  metrics:
    - now: { usage: GAUGE, description: When the query ran }
`);

const monitoring = (extra: MonitoringQuery[] = [], ttl = 30): MonitoringSpec => ({ queries: [...defaultMonitoringQueries(), ...CUSTOM, ...extra], queriesTtlSeconds: ttl, facts: FACTS });

interface Parsed {
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

function parse(text: string): Parsed {
  const types = new Map<string, string>();
  const samples: Parsed['samples'] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

const value = (p: Parsed, name: string, labels: Record<string, string> = {}) =>
  p.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

let primary: StandaloneInstance;
let standby: StandaloneInstance;

before(async () => {
  primary = await StandaloneInstance.start({ name: 'exp-primary', monitoring: monitoring(), replicationSlots: ['exp_standby'] });
  for (const db of ['db_one', 'db_two', 'other']) primary.psql(`CREATE DATABASE ${db}`, 'postgres');
  standby = await StandaloneInstance.start({ name: 'exp-standby', monitoring: monitoring(), primary, slotName: 'exp_standby' });
});

after(async () => {
  await standby?.stop();
  await primary?.stop();
});

test('/metrics on the metrics port: every cnpg_collector_* family and every default query family, with CloudNativePG’s types and labels', { timeout: 60_000 }, async () => {
  const p = parse(await primary.scrape());
  const collector: Record<string, string> = {
    up: 'gauge',
    collections_total: 'counter',
    collection_errors_total: 'counter',
    last_collection_error: 'gauge',
    collection_duration_seconds: 'gauge',
    pg_wal: 'gauge',
    pg_wal_archive_status: 'gauge',
    postgres_version: 'gauge',
    first_recoverability_point: 'gauge',
    last_available_backup_timestamp: 'gauge',
    last_failed_backup_timestamp: 'gauge',
    fencing_on: 'gauge',
    manual_switchover_required: 'gauge',
    replica_mode: 'gauge',
    sync_replicas: 'gauge',
    nodes_used: 'gauge',
    wal_records: 'gauge',
    wal_fpi: 'gauge',
    wal_bytes: 'gauge',
    wal_buffers_full: 'gauge',
    wal_write: 'gauge',
    wal_sync: 'gauge',
    wal_write_time: 'gauge',
    wal_sync_time: 'gauge',
  };
  for (const [name, type] of Object.entries(collector)) assert.equal(p.types.get(`cnpg_collector_${name}`), type, `cnpg_collector_${name} is a ${type}`);
  assert.equal(value(p, 'cnpg_collector_up', { cluster: 'standalone' }), 1);
  assert.equal(value(p, 'cnpg_collector_last_collection_error'), 0);
  assert.ok(value(p, 'cnpg_collector_collection_duration_seconds', { collector: 'Collect.up' })! >= 0);
  const version = p.samples.find((s) => s.name === 'cnpg_collector_postgres_version');
  assert.match(version?.labels.full ?? '', /^15\.\d+$/);
  assert.deepEqual([version?.labels.cluster, version?.value], ['standalone', Number(version?.labels.full)]);
  for (const v of ['count', 'size', 'min', 'max', 'keep', 'slots_max', 'volume_max', 'volume_size']) assert.notEqual(value(p, 'cnpg_collector_pg_wal', { value: v }), undefined, `pg_wal{value=${v}}`);
  for (const v of ['ready', 'done']) assert.notEqual(value(p, 'cnpg_collector_pg_wal_archive_status', { value: v }), undefined, `pg_wal_archive_status{value=${v}}`);
  for (const v of ['min', 'max', 'expected', 'observed']) assert.notEqual(value(p, 'cnpg_collector_sync_replicas', { value: v }), undefined, `sync_replicas{value=${v}}`);
  assert.equal(value(p, 'cnpg_collector_sync_replicas', { value: 'max' }), 1);
  assert.ok(p.samples.some((s) => s.name === 'cnpg_collector_wal_records' && 'stats_reset' in s.labels));

  // Every metric of every default query that can run on a PostgreSQL 15 primary with a standby.
  for (const q of defaultMonitoringQueries()) {
    if (q.runOnServer === '>=17.0.0') continue;
    for (const c of q.columns.filter((c) => c.usage === 'GAUGE' || c.usage === 'COUNTER')) {
      const name = `cnpg_${q.name ?? q.key}_${c.column}`;
      await eventually(`${name} on the primary`, async () => {
        const now = parse(await primary.scrape());
        return now.types.get(name) === c.usage.toLowerCase() && now.samples.some((s) => s.name === name) ? true : undefined;
      }, 45_000, 1000);
    }
  }
  const labelled = p.samples.find((s) => s.name === 'cnpg_backends_total');
  assert.deepEqual(Object.keys(labelled?.labels ?? {}), ['datname', 'usename', 'application_name', 'state']);
  assert.equal(value(p, 'cnpg_pg_replication_in_recovery'), 0);
  for (const name of ['cnpg_last_error', 'cnpg_last_update_timestamp', 'cnpg_cache_hits', 'cnpg_cache_miss']) assert.equal(p.types.get(name), 'gauge', name);
  assert.equal(p.types.get('cnpg_errors_total'), 'counter');
});

test('queries run as cnpg_metrics_exporter, application_name cnpg_metrics_exporter, in a read-only transaction', { timeout: 30_000 }, async () => {
  const p = parse(await primary.scrape());
  assert.equal(value(p, 'cnpg_whoami_value', { role: 'cnpg_metrics_exporter', app: 'cnpg_metrics_exporter', ro: 'on' }), 1, JSON.stringify(p.samples.filter((s) => s.name === 'cnpg_whoami_value')));
  assert.equal(primary.psql("SELECT rolsuper OR rolreplication OR rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'cnpg_metrics_exporter'"), 'f');
  assert.equal(primary.psql("SELECT pg_has_role('cnpg_metrics_exporter', 'pg_monitor', 'MEMBER')"), 't');
});

test('target_databases: names and patterns, each database once; predicate_query, runonserver', { timeout: 30_000 }, async () => {
  const p = parse(await primary.scrape());
  const dbs = p.samples.filter((s) => s.name === 'cnpg_per_database_present').map((s) => s.labels.datname).sort();
  assert.deepEqual(dbs, ['app', 'db_one', 'db_two']);
  const extensionDbs = new Set(p.samples.filter((s) => s.name === 'cnpg_pg_extensions_update_available').map((s) => s.labels.datname));
  assert.deepEqual([...extensionDbs].sort(), ['app', 'db_one', 'db_two', 'other', 'postgres'], 'target_databases * reaches every connectable database');
  assert.equal(value(p, 'cnpg_gated_yes_value'), 1);
  assert.equal(value(p, 'cnpg_gated_no_value'), undefined, 'a NULL predicate skips the query');
  assert.equal(value(p, 'cnpg_future_only_value'), undefined);
  assert.equal(value(p, 'cnpg_collector_last_collection_error'), 0);
});

test('on a standby: primary-only queries are skipped, the rest report it as a standby', { timeout: 60_000 }, async () => {
  const p = parse(await standby.scrape());
  assert.equal(value(p, 'cnpg_collector_up', { cluster: 'standalone' }), 1);
  assert.equal(value(p, 'cnpg_only_on_primary_value'), undefined);
  assert.equal(p.samples.some((s) => s.name.startsWith('cnpg_pg_stat_replication_')), false);
  assert.equal(value(p, 'cnpg_pg_replication_in_recovery'), 1);
  assert.equal(value(p, 'cnpg_gated_yes_value'), undefined, 'the archiver-style predicate says no on a standby');
  assert.equal(value(p, 'cnpg_collector_last_collection_error'), 0);
  const onPrimary = parse(await primary.scrape());
  assert.equal(value(onPrimary, 'cnpg_only_on_primary_value'), 1);
  await eventually('the primary reports its streaming standby', async () => {
    const now = parse(await primary.scrape());
    return now.samples.some((s) => s.name === 'cnpg_pg_stat_replication_replay_lag_seconds' && s.labels.application_name === 'exp-standby') || undefined;
  }, 45_000, 1000);
});

test('results are cached for queriesTtlSeconds; concurrent scrapes share one collection', { timeout: 60_000 }, async () => {
  await primary.update((s) => ({ ...s, monitoring: monitoring([], 3) }));
  const first = parse(await primary.scrape());
  const second = parse(await primary.scrape());
  assert.equal(value(second, 'cnpg_clock_now'), value(first, 'cnpg_clock_now'), 'served from the cache');
  assert.equal(value(second, 'cnpg_cache_miss'), 0);
  assert.ok(value(second, 'cnpg_cache_hits')! >= 1);
  await sleep(3200);
  const later = parse(await primary.scrape());
  assert.notEqual(value(later, 'cnpg_clock_now'), value(first, 'cnpg_clock_now'), 'recomputed after the TTL');
  assert.equal(value(later, 'cnpg_cache_miss'), 1);
  assert.ok(value(later, 'cnpg_last_update_timestamp')! >= Math.floor(Date.now() / 1000) - 5);

  const together = (await Promise.all(Array.from({ length: 6 }, () => primary.scrape()))).map(parse);
  const counts = new Set(together.map((p) => value(p, 'cnpg_collector_collections_total')));
  assert.ok(counts.size <= 2, `six concurrent scrapes, at most two collections (one may have been running): ${[...counts].join(', ')}`);
});

test('a failing query sets last_collection_error and cnpg_errors_total, every other family stays; fixing it needs no restart', { timeout: 90_000 }, async () => {
  const broken = custom(`
broken:
  query: SELECT * FROM no_such_table
  metrics:
    - value: { usage: GAUGE, description: Never }
writes:
  query: CREATE TABLE exporter_must_not_write (a int)
  metrics:
    - a: { usage: GAUGE, description: Never }
`);
  const startedBefore = primary.psql('SELECT pg_postmaster_start_time()');
  await primary.update((s) => ({ ...s, monitoring: monitoring(broken, 30) }));
  const p = parse(await primary.scrape());
  assert.equal(value(p, 'cnpg_collector_last_collection_error'), 1);
  assert.equal(value(p, 'cnpg_last_error'), 1);
  const errors = p.samples.filter((s) => s.name === 'cnpg_errors_total').map((s) => s.labels.errorUserQueries ?? '');
  assert.ok(errors.some((e) => e.startsWith('broken on db app: ') && e.includes('no_such_table')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('writes on db app: ') && e.includes('read-only transaction')), errors.join('\n'));
  assert.ok(value(p, 'cnpg_collector_collection_errors_total', { collector: 'Collect.cnpg' })! >= 1);
  assert.equal(value(p, 'cnpg_collector_up', { cluster: 'standalone' }), 1);
  for (const name of ['cnpg_pg_database_size_bytes', 'cnpg_pg_stat_database_xact_commit', 'cnpg_backends_total', 'cnpg_whoami_value', 'cnpg_collector_pg_wal']) {
    assert.ok(p.samples.some((s) => s.name === name), `${name} still served`);
  }
  assert.equal(primary.psql("SELECT count(*) FROM pg_class WHERE relname = 'exporter_must_not_write'"), '0');

  const fixed = custom(`
broken:
  query: SELECT 7 AS value
  metrics:
    - value: { usage: GAUGE, description: Fixed }
`);
  await primary.update((s) => ({ ...s, monitoring: monitoring(fixed, 30) }));
  const after = parse(await primary.scrape());
  assert.equal(value(after, 'cnpg_broken_value'), 7);
  assert.equal(value(after, 'cnpg_collector_last_collection_error'), 0);
  assert.equal(primary.psql('SELECT pg_postmaster_start_time()'), startedBefore, 'PostgreSQL was not restarted');
});

test('a query running past the statement timeout is cancelled and reported', { timeout: 60_000 }, async () => {
  const slow = custom('slow:\n  query: SELECT pg_catalog.pg_sleep(30) IS NULL AS value\n  metrics:\n    - value: { usage: GAUGE, description: Never }\n');
  await primary.update((s) => ({ ...s, monitoring: monitoring(slow, 0) }));
  const started = Date.now();
  const p = parse(await primary.scrape());
  assert.ok(Date.now() - started < 15_000, 'cancelled well before the sleep ends');
  const errors = p.samples.filter((s) => s.name === 'cnpg_errors_total').map((s) => s.labels.errorUserQueries ?? '');
  assert.ok(errors.some((e) => e.startsWith('slow on db app: ') && e.includes('statement timeout')), errors.join('\n'));
  assert.equal(value(p, 'cnpg_collector_last_collection_error'), 1);
  await primary.update((s) => ({ ...s, monitoring: monitoring() }));
});

test('a fenced instance: PostgreSQL down, /metrics still answers with up 0 and fencing_on 1', { timeout: 60_000 }, async () => {
  await standby.update((s) => ({ ...s, fenced: true }));
  await eventually('the standby fenced and reported down', async () => {
    const p = parse(await standby.scrape());
    return value(p, 'cnpg_collector_up', { cluster: 'standalone' }) === 0 && value(p, 'cnpg_collector_fencing_on') === 1 && value(p, 'cnpg_collector_last_collection_error') === 1 ? true : undefined;
  }, 30_000, 500);
});

test('anything but /metrics on the metrics port is 404', async () => {
  const res = await fetch(primary.metricsUrl.replace('/metrics', '/pg/status'));
  assert.equal(res.status, 404);
});

test('no connection is left in the other databases after a collection: a user can drop one', { timeout: 30_000 }, async () => {
  await primary.scrape();
  primary.psql('CREATE DATABASE db_dropped', 'postgres');
  await primary.update((s) => ({ ...s, monitoring: monitoring([], 0) }));
  const p = parse(await primary.scrape());
  assert.equal(value(p, 'cnpg_per_database_present', { datname: 'db_dropped' }), 1);
  primary.psql('DROP DATABASE db_dropped', 'postgres');
  const after = parse(await primary.scrape());
  assert.equal(value(after, 'cnpg_per_database_present', { datname: 'db_dropped' }), undefined);
  assert.equal(value(after, 'cnpg_collector_last_collection_error'), 0);
});
