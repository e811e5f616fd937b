import test from 'node:test';
import assert from 'node:assert/strict';
import { isEncryptedPassword, passwordToSend } from './password-form.js';
import { scramSha256Verifier } from './scram.js';

const verifier = scramSha256Verifier('clear', Buffer.alloc(16, 7));
const md5 = 'md5' + '0123456789abcdef'.repeat(2);

test('isEncryptedPassword reads a value as PostgreSQL does: md5 hashes and SCRAM secrets it can parse', () => {
  assert.ok(isEncryptedPassword(verifier));
  assert.ok(isEncryptedPassword(md5));
  for (const clear of ['clear', '', 'md5', md5.toUpperCase(), md5 + '0', 'SCRAM-SHA-256$4096:salt$key:key', verifier.replace('$4096:', '$x:'), verifier.slice(0, -2)]) {
    assert.equal(isEncryptedPassword(clear), false, clear);
  }
});

test('passwordToSend: cleartext becomes a fresh SCRAM verifier; a hash, or any value with passthrough, goes as given', () => {
  const sent = passwordToSend('clear', false);
  assert.match(sent, /^SCRAM-SHA-256\$4096:/);
  assert.ok(!sent.includes('clear'));
  assert.notEqual(sent, passwordToSend('clear', false), 'a new salt each time');
  assert.equal(passwordToSend(verifier, false), verifier);
  assert.equal(passwordToSend(md5, false), md5);
  assert.equal(passwordToSend('clear', true), 'clear');
  assert.equal(passwordToSend(verifier, true), verifier);
});
