import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTargetTime } from './target-time.js';

test('parseTargetTime accepts RFC 3339 and PostgreSQL forms', () => {
  const cases: [string, string][] = [
    ['2024-01-15T13:41:00Z', '2024-01-15T13:41:00.000Z'],
    ['2024-01-15T13:41:00+01:00', '2024-01-15T12:41:00.000Z'],
    ['2024-01-15 13:41:00.000000+00', '2024-01-15T13:41:00.000Z'],
    ['2024-01-15 13:41:00.5', '2024-01-15T13:41:00.500Z'],
  ];
  for (const [text, iso] of cases) assert.equal(parseTargetTime(text).toISOString(), iso);
});

test('parseTargetTime names the accepted forms on bad input', () => {
  for (const bad of ['', 'now', '2024-13-45 99:00:00', '15/01/2024']) assert.throws(() => parseTargetTime(bad), /RFC 3339/);
});
