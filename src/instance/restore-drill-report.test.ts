import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DrillOutcome } from './restore-drill.js';
import { outcomeLine } from './restore-drill-report.js';

test('an outcome that fits is the JSON line as it is', () => {
  const o: DrillOutcome = { ok: true, stage: 'count', backupId: 'B', rows: [{ check: 'public.t>=1', rows: 2, ok: true }] };
  assert.equal(outcomeLine(o), JSON.stringify(o));
});

test('a long outcome fits the termination message: free texts shortened first, then the counts that held', () => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ check: `db/${'s'.repeat(60)}.${'t'.repeat(60)}>=${i}`, rows: i, ok: i !== 7 }));
  const o: DrillOutcome = { ok: false, stage: 'amcheck', backupId: 'B', amcheck: { ok: false, output: `${'x'.repeat(3000)}LAST LINE` }, error: `pg_amcheck found corruption ${'y'.repeat(3000)}`, rows };
  const line = outcomeLine(o, 2048);
  assert.ok(Buffer.byteLength(line) <= 2048, `${Buffer.byteLength(line)} bytes`);
  const back = JSON.parse(line) as DrillOutcome;
  assert.equal(back.ok, false);
  assert.equal(back.stage, 'amcheck');
  assert.match(back.amcheck?.output ?? '', /LAST LINE$/, "pg_amcheck's last words are kept");
  assert.match(back.error ?? '', /^pg_amcheck found corruption/, "the error's first words are kept");
  assert.deepEqual(back.rows?.map((r) => r.rows), [7], 'the count that failed is kept');
  assert.equal(o.amcheck?.output?.length, 3009, 'the outcome given is not changed');
});

test('whatever happens, the line fits and says whether the drill passed', () => {
  const o: DrillOutcome = { ok: false, stage: 'restore', backupId: '20261206T101500', archiveEndWal: '000000010000000000000009', error: 'e'.repeat(500) };
  const line = outcomeLine(o, 160);
  assert.ok(Buffer.byteLength(line) <= 160, line);
  assert.equal((JSON.parse(line) as DrillOutcome).ok, false);
});
