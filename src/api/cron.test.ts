import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSchedule } from './cron.js';

const accepted: [string, string, boolean][] = [
  // input, schedule, normalised from five fields
  ['0 0 0 * * *', '0 0 0 * * *', false],
  ['0 0 2 * * *', '0 0 2 * * *', false],
  ['0 2 * * *', '0 0 2 * * *', true],
  ['*/15 * * * *', '0 */15 * * * *', true],
  ['0 30 1 * * MON-FRI', '0 30 1 * * MON-FRI', false],
  ['0 0 12 1,15 JAN-JUN ?', '0 0 12 1,15 JAN-JUN ?', false],
  ['0 0 3 * * 0', '0 0 3 * * 0', false],
  ['@daily', '@daily', false],
  ['@every 1h30m', '@every 1h30m', false],
  ['CRON_TZ=Europe/Rome 0 0 2 * * *', 'CRON_TZ=Europe/Rome 0 0 2 * * *', false],
  ['TZ=UTC 0 2 * * *', 'TZ=UTC 0 0 2 * * *', true],
  ['0 0 0 29 2 *', '0 0 0 29 2 *', false], // leap days: rare, but it fires
  ['30 * * * * *', '30 * * * * *', false], // once a minute is the most often
  ['* * * * *', '0 * * * * *', true],
  ['@every 1m', '@every 1m', false],
];

for (const [input, schedule, normalised] of accepted) {
  test(`cron "${input}" is accepted as "${schedule}"`, () => {
    const result = normaliseSchedule(input);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.schedule, schedule);
    assert.equal(result.normalisedFrom !== undefined, normalised);
  });
}

const rejected: [string, string][] = [
  ['0 2 *', 'expected 6 fields (seconds minutes hours day-of-month month day-of-week), got 3'],
  ['0 0 0 0 * * * *', 'got 8'],
  ['0 0 25 * * *', 'hours field "25" is not valid (allowed range 0-23)'],
  ['60 * * * * *', 'seconds field "60"'],
  ['0 0 0 0 * *', 'day-of-month field "0" is not valid (allowed range 1-31)'],
  ['0 0 0 * FOO *', 'month field "FOO" is not valid (allowed range 1-12 or JAN-DEC)'],
  ['0 0 0 * * 7', 'day-of-week field "7"'],
  ['0 0 5-1 * * *', 'hours field "5-1"'],
  ['0 */0 * * * *', 'minutes field "*/0"'],
  ['0 ? * * * *', 'minutes field "?"'],
  ['@fortnightly', 'unknown descriptor'],
  ['', 'got 0'],
  // never fires
  ['0 0 0 30 2 *', 'never fires: no date matches it'],
  ['0 0 0 31 4,6,9,11 *', 'never fires'],
  // more than once a minute: a backup cannot complete between runs
  ['* * * * * *', 'fires more than once a minute (seconds field "*")'],
  ['*/4 * * * * *', 'seconds field "*/4"'],
  ['0,30 0 2 * * *', 'seconds field "0,30"'],
  ['0-1 0 2 * * *', 'seconds field "0-1"'],
  ['@every 30s', 'use @every 1m or longer'],
  ['@every 500ms', 'fires more than once a minute'],
  ['CRON_TZ=Nowhere/Atlantis 0 0 2 * * *', 'invalid cron schedule "CRON_TZ=Nowhere/Atlantis 0 0 2 * * *"'],
];

for (const [input, message] of rejected) {
  test(`cron "${input}" is rejected`, () => {
    const result = normaliseSchedule(input);
    assert.ok(!result.ok);
    assert.ok(result.message.includes(message), result.message);
  });
}
