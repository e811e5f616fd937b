// What the operator may rely on from an InstanceRuntime (src/operator/platform.ts), written once and
// run against each implementation: local processes, and Pods on a real API server run by the
// kubelet stand-in. One instance goes through its life: created, stopped with its data kept,
// started again on that data, removed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../../src/api/cluster-status.js';
import { desiredInstanceConfig } from '../../src/operator/instance-config.js';
import { handout } from '../../src/operator/instance-handout.js';
import type { InstanceRuntime } from '../../src/operator/platform.js';
import type { ClusterCredentials, ObservedInstance } from '../../src/operator/types.js';
import { eventually } from '../support/env.js';

export interface RuntimeUnderTest {
  runtime: InstanceRuntime;
  /** A one-instance Cluster, as the platform stores it. */
  cluster: Cluster;
  /** Whether the instance's data is still there (locally its data folder, on Kubernetes its PVC). */
  dataKept(name: string): Promise<boolean>;
}

const CREDENTIALS: ClusterCredentials = { app: { username: 'app', password: 'app-password' }, superuserPassword: 'superuser-password', replicationPassword: 'replication-password', rolePasswords: {} };

const READY_MS = 180_000;

export function instanceRuntimeContract(implementation: string, under: () => RuntimeUnderTest): void {
  describe(`InstanceRuntime contract: ${implementation}`, () => {
    test('a cluster it has never seen has no instances', async () => {
      const { runtime, cluster } = under();
      assert.deepEqual(await runtime.observe({ ...cluster, metadata: { ...cluster.metadata, name: `${cluster.metadata.name}-unknown` } }), []);
    });

    test('create → running and ready; stop → not running, data kept; start → ready again; remove → gone', { timeout: 4 * READY_MS }, async () => {
      const { runtime, cluster, dataKept } = under();
      const name = `${cluster.metadata.name}-1`;
      const given = handout(desiredInstanceConfig(cluster, name, { primary: name, instances: [name] }, runtime.defaultMajor()), CREDENTIALS);
      const observed = async (): Promise<ObservedInstance | undefined> => (await runtime.observe(cluster)).find((i) => i.name === name);
      const ready = async (what: string) =>
        eventually(`${name} ${what}`, async () => {
          const o = await observed();
          return o?.running && o.status?.ready ? o : undefined;
        }, READY_MS, 500);

      await runtime.create(cluster, name, 1, given);
      const created = await ready('running and ready after create');
      assert.equal(created.serial, 1);
      assert.equal(created.role, 'primary');
      assert.equal(created.status?.isPrimary, true);

      await runtime.stop(cluster, name);
      const stopped = await eventually(`${name} observed stopped`, async () => {
        const o = await observed();
        return o && !o.running ? o : undefined;
      }, READY_MS, 500);
      assert.equal(stopped.serial, 1, 'a stopped instance is still observed, with its serial');
      assert.equal(await dataKept(name), true, 'stopping keeps the data');

      // A start the platform cannot do yet (a Pod still terminating) throws, and the operator retries it.
      await eventually(`${name} started`, async () => {
        await runtime.start(cluster, name, given);
        return true;
      }, READY_MS, 500);
      const started = await ready('running and ready after start');
      assert.equal(started.status?.isPrimary, true, 'started again on its own data, still the primary');

      await runtime.remove(cluster, name);
      await eventually(`${name} gone`, async () => (await observed()) === undefined, READY_MS, 500);
      assert.deepEqual(await runtime.observe(cluster), []);
      await eventually(`${name}'s data removed`, async () => !(await dataKept(name)), 60_000, 500);
    });
  });
}
