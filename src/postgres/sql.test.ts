import test from 'node:test';
import assert from 'node:assert/strict';
import { conninfo, quoteIdent, quoteLiteral } from './sql.js';

test('quoteIdent doubles quotes', () => {
  assert.equal(quoteIdent('app'), '"app"');
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
});

test('quoteLiteral escapes quotes and backslashes', () => {
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteLiteral('a\\b'), "E'a\\\\b'");
  assert.throws(() => quoteLiteral('a\0b'), /NUL/);
});

test('conninfo quotes values with spaces or quotes and skips undefined', () => {
  assert.equal(conninfo({ host: '127.0.0.1', port: 5432, user: undefined }), 'host=127.0.0.1 port=5432');
  assert.equal(conninfo({ application_name: "a b'c" }), "application_name='a b\\'c'");
  assert.equal(conninfo({ password: '' }), "password=''");
});
