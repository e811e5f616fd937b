import test from 'node:test';
import assert from 'node:assert/strict';
import { peersChanged, peersKey } from './instance-handout.js';

const a = { name: 'pg-1', host: '10.0.0.1', statusPort: 8000 };
const b = { name: 'pg-2', host: '10.0.0.2', statusPort: 8000 };

test('peersKey ignores order and notices a peer that moved', () => {
  assert.equal(peersKey([b, a]), peersKey([a, b]));
  assert.notEqual(peersKey([a, { ...b, host: '10.0.0.9' }]), peersKey([a, b]));
  assert.notEqual(peersKey([{ name: 'pg-2', statusPort: 1 }]), peersKey([{ name: 'pg-2', statusPort: 2 }]));
});

test('an instance is out of date while its peers are not the ones it was told of', () => {
  assert.equal(peersChanged({ peersToldOf: [a, b], peersNow: [b, a] }), false);
  assert.equal(peersChanged({ peersToldOf: [a], peersNow: [a, b] }), true, 'a standby created after the primary was configured');
  assert.equal(peersChanged({ peersToldOf: [a, b], peersNow: [a, { ...b, host: '10.0.0.9' }] }), true, 'a recreated Pod with a new IP');
  assert.equal(peersChanged({ peersNow: [] }), true, 'a record from before peers were kept');
  assert.equal(peersChanged({ peersToldOf: [a] }), false, 'a platform that does not report peers');
});
