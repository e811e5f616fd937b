import test from 'node:test';
import assert from 'node:assert/strict';
import { replicaSummaryRows, tokenSections } from './replica-status.js';
import { replicationRole } from './status.js';

test('a replica cluster shows its designated primary, its source and how far it got', () => {
  const rows = replicaSummaryRows({ replica: true, source: 'site-a', designatedPrimary: 'site-b-1', receivedLsn: '0/5000100', replayLsn: '0/5000000', lagBytes: 256, restoredWalFiles: 3 });
  assert.deepEqual(rows, [
    ['Designated primary:', 'site-b-1'],
    ['Source cluster:', 'site-a'],
    ['Replication from source:', 'received 0/5000100, replayed 0/5000000, lag 256 bytes'],
    ['WAL from source store:', '3 files restored'],
  ]);
  assert.deepEqual(replicaSummaryRows({ replica: false, source: 'site-a' }), []);
});

test('the tokens of the distributed topology are shown, a used promotion token marked so', () => {
  assert.equal(tokenSections({ replica: true, source: 'a', demotionToken: 'DEM' }), 'Demotion token\nDEM\n');
  assert.equal(tokenSections({ replica: false, source: 'a', promotionToken: 'PRO', lastPromotionToken: 'PRO' }), 'Promotion token\nPRO (used)\n');
  assert.equal(tokenSections({ replica: false, source: 'a' }), undefined);
});

test("a replica cluster's designated primary is named so in the instances table", () => {
  assert.equal(replicationRole({ name: 'site-b-1', isPrimary: false, designatedPrimary: true, ready: true }, undefined), 'Designated primary');
});
