import test from 'node:test';
import assert from 'node:assert/strict';
import { prependTimestamps } from './log-timestamps.js';

test('each line gets the time it carries (JSON ts, PostgreSQL prefix), a continuation the one before it', () => {
  const text = [
    '{"ts":"2026-12-05T22:01:02.345Z","level":"info","msg":"started"}',
    '2026-12-05 22:01:03.456 UTC [123] LOG:  database system is ready',
    '\tDETAIL: a continuation',
    '2026-12-05 23:01:04 +01 [124] LOG:  other zone',
    '',
  ].join('\n');
  assert.equal(
    prependTimestamps(text),
    [
      '2026-12-05T22:01:02.345Z {"ts":"2026-12-05T22:01:02.345Z","level":"info","msg":"started"}',
      '2026-12-05T22:01:03.456Z 2026-12-05 22:01:03.456 UTC [123] LOG:  database system is ready',
      '2026-12-05T22:01:03.456Z \tDETAIL: a continuation',
      '2026-12-05T22:01:04.000Z 2026-12-05 23:01:04 +01 [124] LOG:  other zone',
      '',
    ].join('\n'),
  );
  assert.equal(prependTimestamps('no time at all\n'), '- no time at all\n');
});
