// promote, restart (the cluster, a standby, the primary), reload and fencing on local processes,
// through the scenario kubernetes-plugin.test.ts runs against a real API server: one code path,
// the same result on both platforms.
import test, { after, before } from 'node:test';
import type { StoredCluster } from '../src/api/cluster-status.js';
import { TestEnv } from './support/env.js';
import { manifest } from './support/manifests.js';
import { intentsScenario } from './support/intents.js';

const env = new TestEnv();

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { spec: { instances: 2 } }));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/pg', '--timeout=180s'], undefined, 200_000);
});

after(() => env.cleanup());

test('cnpg promote, restart, reload and fencing: annotations the operator acts on', { timeout: 900_000 }, async () => {
  await intentsScenario(
    {
      cnpg: (args) => env.run(args),
      cluster: (name) => env.json<StoredCluster>(['get', 'cluster', name]),
      patchCluster: async (name, patch) => void (await env.ok(['patch', 'cluster', name, '--type', 'merge', '-p', patch])),
    },
    'pg',
  );
});
