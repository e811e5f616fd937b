import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster } from '../../api/cluster-status.js';
import { maintenance, maintenanceTable, type MaintenanceAccess } from './maintenance.js';

const cluster = (namespace: string, name: string, window?: { inProgress?: boolean; reusePVC?: boolean }) =>
  ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace }, spec: window ? { nodeMaintenanceWindow: window } : {} }) as unknown as StoredCluster;

function access(clusters: StoredCluster[]): MaintenanceAccess & { patches: string[] } {
  const patches: string[] = [];
  return {
    patches,
    getCluster: async (name) => {
      const c = clusters.find((x) => x.metadata.name === name && x.metadata.namespace === 'default');
      if (!c) throw new Error(`clusters.postgresql.cnpg.io "${name}" not found`);
      return c;
    },
    listClusters: async (all) => clusters.filter((c) => all || c.metadata.namespace === 'default'),
    patchClusterSpec: async (ns, name, spec) => void patches.push(`${ns}/${name} ${JSON.stringify(spec)}`),
  };
}

const quiet = (answer = true) => ({ print: () => undefined, confirm: async () => answer });

const all = [cluster('default', 'a'), cluster('default', 'b', { inProgress: true, reusePVC: false }), cluster('other', 'c')];

test('maintenance set CLUSTER writes inProgress and reusePVC (false unless --reusePVC, as the reference plugin)', async () => {
  const a = access(all);
  await maintenance(a, 'set', 'a', {}, quiet());
  await maintenance(a, 'set', 'a', { reusePVC: true }, quiet());
  assert.deepEqual(a.patches, ['default/a {"nodeMaintenanceWindow":{"inProgress":true,"reusePVC":false}}', 'default/a {"nodeMaintenanceWindow":{"inProgress":true,"reusePVC":true}}']);
});

test('maintenance unset without CLUSTER: every Cluster of the namespace; -A: of every namespace', async () => {
  const ns = access(all);
  await maintenance(ns, 'unset', undefined, {}, quiet());
  assert.deepEqual(ns.patches.map((p) => p.split(' ')[0]), ['default/a', 'default/b']);
  const everywhere = access(all);
  await maintenance(everywhere, 'unset', undefined, { allNamespaces: true }, quiet());
  assert.deepEqual(everywhere.patches.map((p) => p.split(' ')[0]), ['default/a', 'default/b', 'other/c']);
});

test('maintenance refuses a bad mode, a cluster with -A, an empty list, and writes nothing without confirmation under -y', async () => {
  const a = access(all);
  await assert.rejects(maintenance(a, 'on', 'a', {}, quiet()), /maintenance takes "set" or "unset", got "on"/);
  await assert.rejects(maintenance(a, 'set', 'a', { allNamespaces: true }, quiet()), /can not specify --all-namespaces and a cluster: a/);
  await assert.rejects(maintenance(access([]), 'set', undefined, {}, quiet()), /no cluster could be listed/);
  await maintenance(a, 'set', 'a', { yes: true }, quiet(false));
  assert.deepEqual(a.patches, []);
  await maintenance(a, 'set', 'a', { yes: true }, quiet(true));
  assert.equal(a.patches.length, 1);
});

test('the table shows the old and new values, reusePVC defaulting to true', () => {
  assert.equal(
    maintenanceTable([all[0]!, all[1]!], true, false),
    'The following are the new values for the clusters\nNamespace  Cluster Name  Maintenance    reusePVC\ndefault    a             false => true  true => false\ndefault    b             true => true   false => false\n',
  );
});
