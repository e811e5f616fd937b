import test from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import { fixture } from '../../api/testing.js';
import type { ResourceStore } from '../../operator/platform.js';
import { nodeLabelsOf } from './node-labels.js';

const nodes: Record<string, Record<string, string>> = { n1: { 'topology.kubernetes.io/zone': 'a' }, n2: { 'topology.kubernetes.io/zone': 'b' } };
function store(reads: string[]): ResourceStore {
  return {
    get: async (kind: string, _ns: string | undefined, name: string) => {
      reads.push(`${kind}/${name}`);
      if (name === 'broken') throw new Error('forbidden');
      return nodes[name] ? ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: nodes[name] } } as KubeObject) : undefined;
    },
  } as unknown as ResourceStore;
}
const pod = (nodeName?: string) => ({ spec: { nodeName } }) as V1Pod;
const cluster = (enabled: boolean) =>
  fixture('Cluster', { instances: 3, storage: { size: '1Gi' }, postgresql: { parameters: {}, syncReplicaElectionConstraint: { enabled, nodeLabelsAntiAffinity: ['topology.kubernetes.io/zone'] } } });

test('the Nodes of the Pods are read once each, while the constraint is enabled; a gone or unreadable Node is left out', async () => {
  const reads: string[] = [];
  const found = await nodeLabelsOf(store(reads), cluster(true), [pod('n1'), pod('n1'), pod('n2'), pod(), pod('gone'), pod('broken')]);
  assert.deepEqual([...found.entries()].sort(), [['n1', nodes.n1], ['n2', nodes.n2]]);
  assert.deepEqual(reads.sort(), ['Node/broken', 'Node/gone', 'Node/n1', 'Node/n2']);
  const none: string[] = [];
  assert.equal((await nodeLabelsOf(store(none), cluster(false), [pod('n1')])).size, 0);
  assert.deepEqual(none, []);
});
