import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scramSha256Verifier } from './scram.js';

test('a SCRAM-SHA-256 verifier in the form PostgreSQL stores, never the password', () => {
  const v = scramSha256Verifier('s3cret', Buffer.alloc(16, 1));
  assert.match(v, /^SCRAM-SHA-256\$4096:AQEBAQEBAQEBAQEBAQEBAQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  assert.equal(v, scramSha256Verifier('s3cret', Buffer.alloc(16, 1)));
  assert.notEqual(scramSha256Verifier('s3cret'), scramSha256Verifier('s3cret'));
  assert.ok(!v.includes('s3cret'));
});
