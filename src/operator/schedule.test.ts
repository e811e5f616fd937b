import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupNameSuffix, everyIntervalMs, nextScheduleTime } from './schedule.js';

test('six-field schedules fire at the next matching second, in UTC', () => {
  const from = new Date('2026-01-01T03:00:00Z');
  const cases: [string, string][] = [
    ['0 0 2 * * *', '2026-01-02T02:00:00.000Z'],
    ['*/5 * * * * *', '2026-01-01T03:00:05.000Z'],
    ['30 15 3 * * *', '2026-01-01T03:15:30.000Z'],
    ['@daily', '2026-01-02T00:00:00.000Z'],
    ['@every 1h30m', '2026-01-01T04:30:00.000Z'],
    ['CRON_TZ=Europe/Paris 0 0 2 * * *', '2026-01-02T01:00:00.000Z'],
  ];
  for (const [schedule, want] of cases) assert.equal(nextScheduleTime(schedule, from)?.toISOString(), want, schedule);
});

test('@every durations add up their parts', () => {
  assert.equal(everyIntervalMs('@every 90s'), 90_000);
  assert.equal(everyIntervalMs('@every 1h2m3s'), 3_723_000);
  assert.equal(everyIntervalMs('0 0 * * * *'), undefined);
});

test('scheduled backup names end in the UTC time to the second', () => {
  assert.equal(backupNameSuffix(new Date('2026-11-23T16:05:09.123Z')), '20261123160509');
});
