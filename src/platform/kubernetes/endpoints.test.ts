import test from 'node:test';
import assert from 'node:assert/strict';
import { isSubset, routingLabels, routingWaves } from './endpoints.js';
import { fixture } from '../../api/testing.js';
import { clusterServices } from './specs.js';
import type { Cluster } from '../../api/index.js';

const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { instances: 3 } } as unknown as Cluster;
const primaryLabels = { 'cnpg.io/cluster': 'pg', 'cnpg.io/podRole': 'instance', 'cnpg.io/instanceRole': 'primary', role: 'primary', 'cnpg.io/serving': 'true' };

/** Which of the cluster's Services select a Pod with these labels. */
function selectedBy(labels: Record<string, string>): string[] {
  return clusterServices(cluster)
    .filter((s) => Object.entries((s.spec as { selector: Record<string, string> }).selector).every(([k, v]) => labels[k] === v))
    .map((s) => s.metadata.name);
}

test('an instance the plan routes nowhere is in no Service, whatever its role', () => {
  const failingOver = { rw: [], ro: [], r: [] };
  const oldPrimary = { ...primaryLabels, ...routingLabels('pg-1', primaryLabels, failingOver) };
  assert.deepEqual(selectedBy(oldPrimary), []);
  assert.equal(oldPrimary['cnpg.io/instanceRole'], 'primary', 'who is primary is not known yet: the role stays');
});

test('the primary is in -rw and -r, a ready standby in -ro and -r, a fenced standby in none', () => {
  const backends = { rw: ['pg-2'], ro: ['pg-3'], r: ['pg-2', 'pg-3'] };
  const labels = (pod: string) => ({ ...primaryLabels, ...routingLabels(pod, primaryLabels, backends) });
  assert.deepEqual(selectedBy(labels('pg-2')), ['pg-rw', 'pg-r']);
  assert.deepEqual(selectedBy(labels('pg-3')), ['pg-ro', 'pg-r']);
  assert.deepEqual(selectedBy(labels('pg-1')), []);
  assert.equal(labels('pg-1')['cnpg.io/instanceRole'], 'replica', 'another instance takes writes: the old primary is a replica');
});

test('an additional Service: its template, the selectorType selector, and what the API server defaults is no drift', () => {
  const managed = fixture('Cluster', {
    storage: { size: '1Gi' },
    managed: { services: { additional: [{ selectorType: 'r', serviceTemplate: { metadata: { name: 'any-ready', labels: { team: 'a' } }, spec: { type: 'NodePort' } } }] } },
  });
  const svc = clusterServices(managed).find((s) => s.metadata.name === 'any-ready');
  assert.equal(svc?.metadata.labels?.team, 'a');
  assert.equal(svc?.metadata.labels?.['cnpg.io/isManaged'], 'true');
  assert.equal(svc?.metadata.annotations?.['cnpg.io/updateStrategy'], 'patch');
  const spec = svc?.spec as { type: string; selector: Record<string, string> };
  assert.equal(spec.type, 'NodePort');
  assert.deepEqual(spec.selector, (clusterServices(managed).find((s) => s.metadata.name === 'pg-r')?.spec as { selector: unknown }).selector);
  const served = { ...spec, clusterIP: '10.0.0.1', ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP', nodePort: 30001 }] };
  assert.equal(isSubset(spec, served), true);
  assert.equal(isSubset(spec, { ...served, type: 'ClusterIP' }), false);
});

test('routing moves the Pods leaving -rw or every Service first, then the others, and leaves alone what is already routed', () => {
  const pod = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels } });
  const replica = { ...primaryLabels, 'cnpg.io/instanceRole': 'replica', role: 'replica' };
  const pods = [pod('pg-1', primaryLabels), pod('pg-2', replica), pod('pg-3', replica)];
  // A switchover from pg-1 to pg-2: pg-1 becomes a replica before pg-2 becomes primary.
  const [leaving, joining] = routingWaves(pods, { rw: ['pg-2'], ro: ['pg-1', 'pg-3'], r: ['pg-1', 'pg-2', 'pg-3'] });
  assert.deepEqual(leaving.map((p) => p.pod), ['pg-1']);
  assert.deepEqual(joining.map((p) => p.pod), ['pg-2']);
  assert.equal(joining[0]?.labels['cnpg.io/instanceRole'], 'primary');
  // A failover's first step routes nobody: everything serving leaves.
  const [out, none] = routingWaves(pods, { rw: [], ro: [], r: [] });
  assert.deepEqual(out.map((p) => p.pod), ['pg-1', 'pg-2', 'pg-3']);
  assert.deepEqual(none, []);
});
