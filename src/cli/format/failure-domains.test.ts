import test from 'node:test';
import assert from 'node:assert/strict';
import { failureDomainsSection } from './failure-domains.js';

test('Failure Domain Topology groups the instances by domain, marks the primary’s and the unready, and shows the condition', () => {
  const text = failureDomainsSection({
    keys: ['topology.kubernetes.io/zone'],
    instances: { 'pg-1': { 'topology.kubernetes.io/zone': 'a' }, 'pg-2': { 'topology.kubernetes.io/zone': 'b' }, 'pg-3': { 'topology.kubernetes.io/zone': '' } },
    primary: 'pg-1',
    notReady: ['pg-3'],
    condition: { status: 'True', reason: 'Satisfied', message: '' },
  });
  assert.equal(
    text,
    [
      'Failure Domain Topology',
      'topology.kubernetes.io/zone  Instances         Primary Domain',
      '<empty>                      pg-3 (not ready)  No',
      'a                            pg-1              Yes',
      'b                            pg-2              No',
      'Constraint: True (Satisfied)',
      '',
    ].join('\n'),
  );
});

test('labels that could not be read are said so, with the condition’s reason and message', () => {
  const text = failureDomainsSection({ keys: ['zone', 'region'], primary: 'pg-1', notReady: [], condition: { status: 'False', reason: 'TopologyNotExtracted', message: 'why' } });
  assert.equal(text, 'Failure Domain Topology\nTopology labels could not be extracted from pods or nodes\nConstraint: False (TopologyNotExtracted) - why\n');
});
