// The Grafana dashboard and PrometheusRule in docs/monitoring, checked without a cluster: Prometheus'
// own promtool loads the rule and runs its alert cases (test/fixtures/monitoring), the dashboard is
// well-formed Grafana JSON, and the Helm chart ships the same two files.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../src/api/repo-root.js';
import { PROMTOOL_BIN } from './support/prometheus.js';
import {
  alertNames,
  dashboardExprs,
  dashboardPanels,
  DASHBOARD_FILE,
  metricNamesIn,
  readDashboard,
  readPrometheusRule,
  RULE_FILE,
  ruleFileText,
} from './support/monitoring-artifacts.js';

function promtool(args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync(PROMTOOL_BIN, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`${PROMTOOL_BIN}: ${r.error.message} (the Debian package prometheus; scripts/setup.sh --test-tools installs it)`);
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-rules-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PrometheusRule docs/monitoring/prometheus-rule.yaml', () => {
  const rule = readPrometheusRule();

  test('is a monitoring.coreos.com/v1 PrometheusRule', () => {
    assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(rule.kind, 'PrometheusRule');
    assert.ok(rule.spec.groups.length > 0);
  });

  test('promtool check rules passes on its groups', () => {
    inTempDir((dir) => {
      writeFileSync(join(dir, 'rules.yaml'), ruleFileText(rule));
      const r = promtool(['check', 'rules', 'rules.yaml'], dir);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /SUCCESS/);
    });
  });

  test('its alerts fire (and stay quiet) as the promtool cases in test/fixtures/monitoring say', () => {
    inTempDir((dir) => {
      writeFileSync(join(dir, 'rules.yaml'), ruleFileText(rule));
      copyFileSync(join(repoRoot(), 'test', 'fixtures', 'monitoring', 'alerts.promtool.yaml'), join(dir, 'alerts.promtool.yaml'));
      const r = promtool(['test', 'rules', 'alerts.promtool.yaml'], dir);
      assert.equal(r.code, 0, r.out);
    });
  });

  test('covers what CloudNativePG\'s sample alerts cover, and every alert has a severity and words', () => {
    const names = alertNames(rule);
    for (const expected of ['CNPGInstanceDown', 'CNPGClusterHADegraded', 'CNPGReplicaLagging', 'CNPGReplicaNotReceivingWAL', 'CNPGLongRunningTransaction', 'CNPGBackendsWaiting', 'CNPGDatabaseXidAgeHigh', 'CNPGDeadlocks', 'CNPGArchivingFailing', 'CNPGLastBackupTooOld']) {
      assert.ok(names.includes(expected), `alert ${expected} missing`);
    }
    for (const g of rule.spec.groups) {
      for (const r of g.rules.filter((x) => x.alert)) {
        assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, `${r.alert}: severity`);
        assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert}: summary and description`);
      }
    }
  });
});

describe('Grafana dashboard docs/monitoring/grafana-dashboard.json', () => {
  const dashboard = readDashboard();
  const panels = dashboardPanels(dashboard);

  test('has a uid, unique panel ids, and every query on the chosen Prometheus data source', () => {
    assert.ok(dashboard.uid && dashboard.title);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of panels.filter((x) => x.type !== 'row')) {
      assert.ok(p.targets && p.targets.length > 0, `${p.title}: has queries`);
      for (const t of p.targets) assert.equal(t.datasource?.uid ?? p.datasource?.uid, '${datasource}', `${p.title}: data source variable`);
    }
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'namespace', 'cluster', 'instance']);
  });

  test('panels do not overlap on the 24-column grid', () => {
    const cells = new Map<string, string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${p.title}: within 24 columns`);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        const key = `${i},${j}`;
        assert.ok(!cells.has(key), `${p.title} overlaps ${cells.get(key)}`);
        cells.set(key, p.title);
      }
    }
  });

  test('shows health, roles, replication lag, TPS, connections, database size, WAL, archiving and backups', () => {
    const names = new Set(dashboardExprs(dashboard).flatMap(metricNamesIn));
    for (const m of ['cnpg_collector_up', 'cnpg_pg_replication_in_recovery', 'cnpg_pg_replication_lag', 'cnpg_pg_stat_database_xact_commit', 'cnpg_backends_total', 'cnpg_pg_database_size_bytes', 'cnpg_collector_pg_wal', 'cnpg_pg_stat_archiver_archived_count', 'cnpg_collector_last_available_backup_timestamp', 'cnpg_collector_first_recoverability_point']) {
      assert.ok(names.has(m), `the dashboard shows ${m}`);
    }
  });
});

test('metricNamesIn finds metric names, not label values, functions or recorded series', () => {
  assert.deepEqual(metricNamesIn('sum by (pod) (rate(cnpg_pg_stat_database_xact_commit{pod=~"cnpg_x"}[1m])) / on (instance) cnpg:instance_cluster:info'), ['cnpg_pg_stat_database_xact_commit']);
  assert.deepEqual(metricNamesIn('cnpg_pg_replication_slots_active{slot_name=~"_cnpg_.+"} == 0 and cnpg_a > cnpg_b'), ['cnpg_pg_replication_slots_active', 'cnpg_a', 'cnpg_b']);
});

describe('Helm chart option', () => {
  const chartFiles = join(repoRoot(), 'charts', 'cnpg-ts', 'files', 'monitoring');

  test('ships the same dashboard and rule as docs/monitoring', () => {
    for (const [docs, name] of [[DASHBOARD_FILE, 'grafana-dashboard.json'], [RULE_FILE, 'prometheus-rule.yaml']] as const) {
      const copy = join(chartFiles, name);
      assert.ok(existsSync(copy), `${copy} exists (node scripts/release-manifest.mjs copies it)`);
      assert.equal(readFileSync(copy, 'utf8'), readFileSync(docs, 'utf8'), `${copy} is the same as ${docs}: run node scripts/release-manifest.mjs`);
    }
  });
});

describe('Helm chart option (helm template)', () => {
  const helm = join(process.env.CNPG_TOOLS_CACHE ?? join(homedir(), '.cache/cnpg-ts'), 'bin/helm');
  const skip = existsSync(helm) ? false : 'helm is not built: run `bash scripts/build-helm.sh build`';
  const render = (...set: string[]): Array<{ kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: unknown; data?: Record<string, string> }> => {
    const home = mkdtempSync(join(tmpdir(), 'cnpg-helm-'));
    try {
      const r = spawnSync(helm, ['template', 'cnpg', join(repoRoot(), 'charts', 'cnpg-ts'), '--namespace', 'cnpg-system', ...set.flatMap((x) => ['--set', x])], {
        encoding: 'utf8',
        env: { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
      });
      assert.equal(r.status, 0, r.stderr);
      return parseAllDocuments(r.stdout).map((d) => d.toJS()).filter((d) => d);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  test('off by default', { skip }, () => {
    const kinds = render().map((o) => `${o.kind}/${o.metadata.name}`);
    assert.ok(!kinds.includes('PrometheusRule/cnpg-ts-alerts') && !kinds.includes('ConfigMap/cnpg-ts-grafana-dashboard'), kinds.join(' '));
  });

  test('renders the PrometheusRule and the dashboard ConfigMap as docs/monitoring has them', { skip }, () => {
    const objs = render('monitoring.prometheusRule.enabled=true', 'monitoring.prometheusRule.additionalLabels.release=prom', 'monitoring.grafanaDashboard.create=true', 'monitoring.grafanaDashboard.namespace=grafana');
    const rule = objs.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'cnpg-ts-alerts');
    assert.ok(rule, 'PrometheusRule cnpg-ts-alerts');
    assert.equal(rule.metadata.labels?.release, 'prom');
    assert.deepEqual(rule.spec, readPrometheusRule().spec);
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cnpg-ts-grafana-dashboard');
    assert.ok(cm, 'ConfigMap cnpg-ts-grafana-dashboard');
    assert.equal(cm.metadata.namespace, 'grafana');
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    assert.deepEqual(JSON.parse(cm.data?.['grafana-dashboard.json'] ?? ''), readDashboard());
  });
});
