import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPodSelectors, hbaReferenceProblem, matchesLabelSelector, resolvePodSelectors } from './pod-selectors.js';
import { hbaLineProblem } from './hba-lines.js';
import { validateObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';

const LINE = 'host app app ${podselector:web} scram-sha-256';

test('a ${podselector:NAME} line becomes one line per address, with host masks', () => {
  assert.deepEqual(expandPodSelectors([LINE, 'local all all peer'], [{ name: 'web', ips: ['10.0.0.7', 'fd00::7'] }]), [
    'host app app 10.0.0.7/32 scram-sha-256',
    'host app app fd00::7/128 scram-sha-256',
    'local all all peer',
  ]);
  assert.deepEqual(expandPodSelectors([LINE], [{ name: 'web' }]), []);
  assert.deepEqual(expandPodSelectors([LINE], undefined), ['# host app app ${podselector:web} scram-sha-256 # not expanded: pod selector web not resolved']);
});

test('references: the type must be podselector, the name defined, one per line', () => {
  assert.equal(hbaReferenceProblem(LINE, new Set(['web'])), undefined);
  assert.match(hbaReferenceProblem(LINE, new Set(['db'])) ?? '', /names no entry of spec.podSelectorRefs \(defined: db\)/);
  assert.match(hbaReferenceProblem('host all all ${pods:web} trust', new Set(['web'])) ?? '', /unknown reference type "pods"/);
  assert.match(hbaReferenceProblem('host ${podselector:web} all ${podselector:web} trust', new Set(['web'])) ?? '', /at most one/);
  assert.equal(hbaLineProblem(LINE), undefined);
});

test('label selectors match as Kubernetes does', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.equal(matchesLabelSelector(labels, {}), true);
  assert.equal(matchesLabelSelector(labels, { matchLabels: { app: 'web' } }), true);
  assert.equal(matchesLabelSelector(labels, { matchLabels: { app: 'db' } }), false);
  assert.equal(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }), true);
  assert.equal(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }), false);
  assert.equal(matchesLabelSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), true);
  assert.equal(matchesLabelSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), false);
  assert.equal(matchesLabelSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), true);
  assert.deepEqual(resolvePodSelectors([{ name: 'web', selector: { matchLabels: { app: 'web' } } }], [{ labels, ips: ['10.0.0.9', '10.0.0.2'] }, { labels: { app: 'db' }, ips: ['10.0.0.3'] }]), [{ name: 'web', ips: ['10.0.0.2', '10.0.0.9'] }]);
});

const cluster = (hba: string[], refs: unknown) => clusterManifest({ instances: 1, storage: { size: '1Gi' }, postgresql: { pg_hba: hba }, podSelectorRefs: refs });
const refused = (obj: unknown) => rejectionOf(obj).join('\n');

test('an apply is refused for an unknown selector in pg_hba, with its field path', () => {
  const refs = [{ name: 'web', selector: { matchLabels: { app: 'web' } } }];
  assert.doesNotThrow(() => validateObject(cluster([LINE], refs)));
  assert.match(refused(cluster(['host all all ${podselector:api} scram-sha-256'], refs)), /spec\.postgresql\.pg_hba\[0\]: .*podselector:api.*names no entry/);
  assert.match(refused(cluster(['host all all ${podselector:web} scram-sha-256'], undefined)), /spec\.postgresql\.pg_hba\[0\]/);
  assert.match(refused(cluster([], [...refs, ...refs])), /spec\.podSelectorRefs\[1\]\.name/);
  assert.match(refused(cluster([], [{ name: 'Web', selector: {} }])), /spec\.podSelectorRefs\[0\]\.name/);
  assert.match(refused(cluster([], [{ name: 'web', selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }])), /spec\.podSelectorRefs\[0\]\.selector\.matchExpressions\[0\]\.values/);
});
