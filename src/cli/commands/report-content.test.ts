import test from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/meta.js';
import { clusterReportFiles, redactSecret, reportName, scrub, secretValues } from './report-content.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const appSecret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'pg-app', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"s3cr3t-pass"}}' } },
  data: { username: b64('app'), password: b64('s3cr3t-pass'), uri: b64('postgresql://app:s3cr3t-pass@pg-rw:5432/app'), port: b64('5432') },
} as unknown as KubeObject;

test('reportName is the plugin\'s sortable UTC stamp', () => {
  assert.equal(reportName('cluster', 'pg', new Date('2026-12-05T13:04:05.678Z')), 'report_cluster_pg_20261205_130405');
});

test('a Secret keeps its keys with empty values, and loses the last-applied copy of itself', () => {
  const r = redactSecret(appSecret) as unknown as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
  assert.deepEqual(r.data, { username: '', password: '', uri: '', port: '' });
  assert.deepEqual(r.metadata.annotations, {});
});

test('secret values are cut out of every file, plain and base64; names and ports stay readable', () => {
  const values = secretValues([appSecret]);
  assert.ok(values.includes('s3cr3t-pass') && values.includes(b64('s3cr3t-pass')));
  assert.ok(!values.includes('app') && !values.includes('5432'));
  assert.equal(scrub('ERROR: invalid input syntax for type integer: "s3cr3t-pass" user=app', values), 'ERROR: invalid input syntax for type integer: "[REDACTED]" user=app');
});

test('the files: manifests in the asked format, status, logs; nothing secret in any of them', () => {
  const files = clusterReportFiles(
    {
      cluster: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', annotations: { note: 's3cr3t-pass' } } },
      pods: [],
      jobs: [],
      pvcs: [],
      events: [],
      secrets: [],
      namespaceSecrets: [appSecret],
      statusText: 'Cluster Summary\n',
      statusJson: '{}\n',
      logs: [{ name: 'pg-1-postgres.log', text: 'STATEMENT: alter role app password \'s3cr3t-pass\'\n' }],
      operatorLog: '',
    },
    'json',
    'report_cluster_pg_x',
  );
  assert.deepEqual(files.map((f) => f.path), [
    'report_cluster_pg_x/manifests/cluster.json',
    'report_cluster_pg_x/manifests/cluster-pods.json',
    'report_cluster_pg_x/manifests/cluster-jobs.json',
    'report_cluster_pg_x/manifests/events.json',
    'report_cluster_pg_x/manifests/cluster-pvcs.json',
    'report_cluster_pg_x/manifests/cluster-secrets.json',
    'report_cluster_pg_x/status/status.txt',
    'report_cluster_pg_x/status/status.json',
    'report_cluster_pg_x/logs/pg-1-postgres.log',
    'report_cluster_pg_x/operator-logs/operator.jsonl',
  ]);
  for (const f of files) assert.ok(!f.content.includes('s3cr3t-pass') && !f.content.includes(b64('s3cr3t-pass')), f.path);
  assert.equal(JSON.parse(files[0]!.content).metadata.annotations.note, '[REDACTED]');
});
