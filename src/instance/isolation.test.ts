import test from 'node:test';
import assert from 'node:assert/strict';
import { hashWithPeers, peersKey } from './isolation.js';

const a = { name: 'pg-1', host: '10.0.0.1', statusPort: 8000 };
const b = { name: 'pg-2', host: '10.0.0.2', statusPort: 8000 };

test('peersKey ignores order and notices a peer that moved', () => {
  assert.equal(peersKey([b, a]), peersKey([a, b]));
  assert.notEqual(peersKey([a, { ...b, host: '10.0.0.9' }]), peersKey([a, b]));
  assert.notEqual(peersKey([{ name: 'pg-2', statusPort: 1 }]), peersKey([{ name: 'pg-2', statusPort: 2 }]));
});

test('a configuration counts as out of date while its peers are not the ones the manager was told of', () => {
  assert.equal(hashWithPeers('abc', peersKey([a, b]), [b, a]), 'abc');
  assert.equal(hashWithPeers('abc', peersKey([a]), [a, b]), 'abc (peers changed)');
  assert.equal(hashWithPeers('abc', undefined, []), 'abc (peers changed)', 'a record from before peers were kept');
  assert.equal(hashWithPeers(undefined, undefined, [a]), undefined, 'never configured stays never configured');
});
