import test from 'node:test';
import assert from 'node:assert/strict';
import { parseRowCount, parseVerificationRequest, renderVerificationRequest, rowCountHolds, VERIFY_ANNOTATION } from './backup-verification.js';

test('a row count names an optional database, a schema, a table, an operator and a number', () => {
  assert.deepEqual(parseRowCount('public.orders>=1000'), { ok: true, value: { schema: 'public', table: 'orders', op: '>=', count: 1000 } });
  assert.deepEqual(parseRowCount(' app/sales.line_items = 42 '), { ok: true, value: { database: 'app', schema: 'sales', table: 'line_items', op: '=', count: 42 } });
  assert.deepEqual(parseRowCount('s.t<3'), { ok: true, value: { schema: 's', table: 't', op: '<', count: 3 } });
});

test('anything that is not plain names is refused with the form to use, never quoted into SQL', () => {
  for (const bad of [
    'orders>=1',
    'public.orders',
    'public.orders>=-1',
    'public.orders>=1.5',
    'public."orders">=1',
    'public.orders; DROP TABLE x>=1',
    'public.orders>=1; DROP TABLE x',
    'public.or ders>=1',
    'public.orders\n>=1',
    'a/b/c.d>=1',
    'public.orders=>1',
    'public.orders>=99999999999999999',
  ]) {
    const parsed = parseRowCount(bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.match(parsed.message, /\[DATABASE\/\]SCHEMA\.TABLE OP N/);
  }
});

test('each operator compares as written', () => {
  assert.equal(rowCountHolds('>=', 5, 5), true);
  assert.equal(rowCountHolds('>', 5, 5), false);
  assert.equal(rowCountHolds('=', 4, 5), false);
  assert.equal(rowCountHolds('<=', 4, 5), true);
  assert.equal(rowCountHolds('<', 5, 5), false);
});

test('a request round-trips through its annotation; a bad one says which field and why', () => {
  const request = { requestedAt: '2026-12-06T08:00:00.000Z', counts: ['public.t>=1'] };
  assert.deepEqual(parseVerificationRequest(renderVerificationRequest(request)), { ok: true, value: request });
  assert.equal(parseVerificationRequest(undefined), undefined);
  const notJson = parseVerificationRequest('yes');
  assert.ok(notJson && !notJson.ok && notJson.message.includes(VERIFY_ANNOTATION));
  const noTime = parseVerificationRequest('{"counts":[]}');
  assert.ok(noTime && !noTime.ok && /requestedAt/.test(noTime.message));
  const badCount = parseVerificationRequest('{"requestedAt":"2026-12-06T08:00:00Z","counts":["x"]}');
  assert.ok(badCount && !badCount.ok && /counts: invalid row count "x"/.test(badCount.message));
  const extra = parseVerificationRequest('{"requestedAt":"2026-12-06T08:00:00Z","sql":"DROP"}');
  assert.ok(extra && !extra.ok);
});
