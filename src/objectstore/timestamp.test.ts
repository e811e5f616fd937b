import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPythonDatetime, parseTimestamp } from './timestamp.js';

test('parseTimestamp reads Python, PostgreSQL and RFC 3339 forms', () => {
  const cases: [string, string | undefined][] = [
    ['2024-01-15 13:41:00.123456+00:00', '2024-01-15T13:41:00.123Z'],
    ['2024-01-15 13:41:00+02:00', '2024-01-15T11:41:00.000Z'],
    ['2024-01-15 13:41:00.000000+00', '2024-01-15T13:41:00.000Z'],
    ['2024-01-15 13:41:00-0530', '2024-01-15T19:11:00.000Z'],
    ['2024-01-15T13:41:00Z', '2024-01-15T13:41:00.000Z'],
    ['2024-01-15T13:41:00', '2024-01-15T13:41:00.000Z'],
    ['2024-01-15', undefined],
    ['yesterday', undefined],
  ];
  for (const [text, iso] of cases) assert.equal(parseTimestamp(text)?.toISOString(), iso, text);
});

test('formatPythonDatetime writes str(datetime) of an aware UTC time', () => {
  assert.equal(formatPythonDatetime(new Date('2024-01-15T13:41:00Z')), '2024-01-15 13:41:00+00:00');
  assert.equal(formatPythonDatetime(new Date('2024-01-15T13:41:00.25Z')), '2024-01-15 13:41:00.250000+00:00');
});
