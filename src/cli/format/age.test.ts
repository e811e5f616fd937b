import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, goDurationString, goUtcTimeString, humanDuration } from './age.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (kubectl HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1500, '0s'],
    [-999, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * S, '5s'],
    [90 * S, '90s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 30 * S, '2m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 20 * M, '5h20m'],
    [8 * H + 20 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [8 * D + 4 * H, '8d'],
    [729 * D, '729d'],
    [2 * 365 * D, '2y'],
    [2 * 365 * D + 10 * D, '2y10d'],
    [9 * 365 * D + 10 * D, '9y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('formatAge', () => {
  const now = new Date('2024-01-15T14:00:00Z');
  const cases: Array<[Date | string | undefined, string]> = [
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['not a date', '<unknown>'],
    ['2024-01-15T13:59:30Z', '30s'],
    [new Date('2024-01-15T13:57:30Z'), '2m30s'],
    ['2024-01-15T09:00:00Z', '5h'],
    ['2024-01-12T14:00:00Z', '3d'],
    ['2024-01-15T14:00:05Z', '<invalid>'],
  ];
  for (const [from, want] of cases) {
    it(`${String(from)} → ${want}`, () => assert.equal(formatAge(from, now), want));
  }
});

describe('Go duration and time strings', () => {
  const durations: Array<[number, string]> = [
    [0, '0s'],
    [400, '0s'],
    [42 * S, '42s'],
    [3 * M + 7 * S, '3m7s'],
    [26 * H + 5 * S, '26h0m5s'],
    [-90 * S, '-1m30s'],
  ];
  for (const [ms, want] of durations) {
    it(`${ms}ms → ${want}`, () => assert.equal(goDurationString(ms), want));
  }
  it('prints UTC time like time.Time.String()', () => {
    assert.equal(goUtcTimeString(Date.parse('2024-01-15T13:41:00.400Z')), '2024-01-15 13:41:00 +0000 UTC');
  });
});
