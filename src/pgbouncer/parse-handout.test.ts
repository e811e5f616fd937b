import test from 'node:test';
import assert from 'node:assert/strict';
import { parseHandout } from './parse-handout.js';
import { HandoutError } from './handout-error.js';

const good = { settings: { pool_mode: 'session' }, target: { host: 'h', port: 5432 }, hba: [], users: [], serverTLS: { ca: 'x' }, paused: false };

test('a well-formed handout parses', () => {
  assert.deepEqual(parseHandout(JSON.stringify(good)), good);
});

test('wrong shapes are refused with the path of each field', () => {
  const refuse = (text: string) => {
    try {
      parseHandout(text);
    } catch (e) {
      assert.ok(e instanceof HandoutError);
      return e.issues.map((i) => i.path);
    }
    assert.fail('parsed');
  };
  assert.deepEqual(refuse('{"settings":'), ['(document)']);
  assert.deepEqual(refuse(JSON.stringify({ ...good, settings: { pool_mode: 1 }, target: { host: 'h', port: '5432' }, paused: 'no', extra: 1 })), ['settings.pool_mode', 'target.port', 'paused', '(document)']);
  assert.deepEqual(refuse(JSON.stringify({ ...good, users: [{ name: 'a' }] })), ['users[0].password']);
});
