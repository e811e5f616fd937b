// The Barman Cloud plugin's form on a real kube-apiserver: the generated ObjectStore CRD takes the
// plugin's own sample and refuses what the plugin's CRD refuses, with the field path; a Cluster
// configured through spec.plugins and an ObjectStore backs up with `kubectl cnpg backup -m plugin`
// on the stand-in kubelet, and the ObjectStore reports its recovery window.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import { createHealthyCluster, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { kubectlWithPlugin, type Kubectl } from './support/kubectl-plugin.js';

const PLUGIN = 'barman-cloud.cloudnative-pg.io';
const SAMPLE = fileURLToPath(new URL('../../test/fixtures/barman-cloud-plugin/minio-store.yaml', import.meta.url));
const OBJECT_STORES = { group: 'barmancloud.cnpg.io', version: 'v1', plural: 'objectstores', namespace: 'default' } as const;

let env: KubeOperatorEnv;
let plugin: Kubectl;
const scratch = mkdtempSync(join(tmpdir(), 'cnpg-objectstore-'));
const storeDir = join(scratch, 'store');

/** The real kubectl, with kubectl-cnpg on PATH as krew would install it. */
const kubectl = (args: string[], input = '') => plugin.run(args, input);

before(async () => {
  env = await startKubeOperatorEnv();
  // The kubelet stand-in runs managers as the postgres user: the store must be theirs to write.
  chmodSync(scratch, 0o755);
  mkdirSync(storeDir);
  chmodSync(storeDir, 0o777);
  plugin = kubectlWithPlugin(env.cp);
});

after(async () => {
  await env?.stop();
  plugin?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("the ObjectStore CRD takes the plugin's own sample and refuses serverName and a bad retention policy with their paths", { timeout: 60_000 }, async () => {
  const applied = await kubectl(['apply', '-f', SAMPLE]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^objectstore\.barmancloud\.cnpg\.io\/minio-store created$/m);

  const withServerName = readFileSync(SAMPLE, 'utf8').replace('name: minio-store', 'name: named').replace('    destinationPath: s3://backups/', '    destinationPath: s3://backups/\n    serverName: pg');
  const refused = await kubectl(['apply', '-f', '-'], withServerName);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /spec\.configuration\.serverName: .*use the 'serverName' plugin parameter in the Cluster resource/);

  const badRetention = readFileSync(SAMPLE, 'utf8').replace('name: minio-store', 'name: retention').replace('retentionPolicy: "1m"', 'retentionPolicy: "30 days"');
  const refusedRetention = await kubectl(['apply', '-f', '-'], badRetention);
  assert.notEqual(refusedRetention.code, 0);
  assert.match(refusedRetention.stderr, /spec\.retentionPolicy/);
});

test('a plugin-form Cluster backs up with kubectl cnpg backup -m plugin; the ObjectStore records the window', { timeout: 360_000 }, async () => {
  const objectStore = `apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: local
spec:
  configuration:
    destinationPath: file://${storeDir}
`;
  const applied = await kubectl(['apply', '-f', '-'], objectStore);
  assert.equal(applied.code, 0, applied.stderr);
  await createHealthyCluster(env, 'pg', { instances: 1, storage: { size: '1Gi' }, plugins: [{ name: PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: 'local' } }] });

  const backup = await kubectl(['cnpg', 'backup', 'pg', '-m', 'plugin', '--plugin-name', PLUGIN, '--backup-name', 'first', '--wait', '--timeout', '200s']);
  assert.equal(backup.code, 0, `${backup.stderr}${backup.stdout}\noperator:\n${env.operator.output(3000)}`);
  assert.match(backup.stdout, /^backup first completed: \d{8}T\d{6} /m);
  // The plugin's layout: a folder named after the Cluster under the ObjectStore's destinationPath.
  assert.ok(existsSync(join(storeDir, 'pg', 'base')), 'pg/base in the store');
  assert.ok(existsSync(join(storeDir, 'pg', 'wals')), 'pg/wals in the store');

  const api = env.kc.makeApiClient(CustomObjectsApi);
  const window = await eventually('the ObjectStore reports the recovery window of pg', async () => {
    const os = (await api.getNamespacedCustomObject({ ...OBJECT_STORES, name: 'local' })) as { status?: { serverRecoveryWindow?: Record<string, { lastSuccessfulBackupTime?: string }> } };
    return os.status?.serverRecoveryWindow?.['pg']?.lastSuccessfulBackupTime;
  }, 60_000, 500);
  assert.ok(Date.parse(window) > 0);
});
