import test from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from './parse.js';

const cluster = (lease: string) => `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: a\nspec:\n  instances: 1\n  storage:\n    size: 1Gi\n  primaryLease:\n${lease}`;

test('primaryLease: the defaults and a consistent set are accepted', () => {
  assert.doesNotThrow(() => parseManifests(cluster('    leaseDurationSeconds: 15\n')));
  assert.doesNotThrow(() => parseManifests(cluster('    leaseDurationSeconds: 30\n    renewDeadlineSeconds: 20\n    retryPeriodSeconds: 5\n')));
});

test('primaryLease: a lease not longer than its renew deadline, or a deadline within 1.2 retries, is refused with the field', () => {
  assert.throws(() => parseManifests(cluster('    leaseDurationSeconds: 10\n')), /spec\.primaryLease\.leaseDurationSeconds: must be greater than renewDeadlineSeconds \(10 <= 10\)/);
  assert.throws(() => parseManifests(cluster('    renewDeadlineSeconds: 6\n    retryPeriodSeconds: 5\n')), /spec\.primaryLease\.renewDeadlineSeconds: must be greater than 1\.2 × retryPeriodSeconds \(6 <= 1\.2 × 5\)/);
});
