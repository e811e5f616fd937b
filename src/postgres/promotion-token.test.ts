import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePromotionToken, encodePromotionToken } from '../api/promotion-token.js';
import { checkPromotionToken, tokenFromControlData } from './promotion-token.js';

const controlData = (o: { state?: string; system?: string; timeline?: number; redo?: string }) =>
  [
    'pg_control version number:            1300',
    `Database system identifier:           ${o.system ?? '7311234567890123456'}`,
    `Database cluster state:               ${o.state ?? 'shut down'}`,
    "Latest checkpoint location:           0/5000028",
    `Latest checkpoint's REDO location:    ${o.redo ?? '0/5000028'}`,
    "Latest checkpoint's REDO WAL file:    000000010000000000000005",
    `Latest checkpoint's TimeLineID:       ${o.timeline ?? 1}`,
    'Time of latest checkpoint:            Sat 05 Dec 2026 13:10:00 UTC',
  ].join('\n');

test('a token made from a shut-down primary reads back as it was written', () => {
  const token = tokenFromControlData(controlData({}), '0.1.0');
  assert.ok(token);
  assert.equal(token.latestCheckpointREDOLocation, '0/5000028');
  assert.equal(token.redoWalFile, '000000010000000000000005');
  assert.deepEqual(decodePromotionToken(encodePromotionToken(token)), token);
});

test('no token while the primary is not shut down', () => {
  assert.equal(tokenFromControlData(controlData({ state: 'in production' }), '0.1.0'), undefined);
});

test('a token of CloudNativePG decodes', () => {
  const text = Buffer.from(
    JSON.stringify({
      latestCheckpointTimelineID: '3',
      redoWalFile: '0000000300000000000000A1',
      databaseSystemIdentifier: '7381234567890123456',
      latestCheckpointREDOLocation: '0/A1000028',
      timeOfLatestCheckpoint: 'Mon 02 Sep 2024 10:00:00 AM UTC',
      operatorVersion: '1.24.0',
    }),
  ).toString('base64');
  const token = decodePromotionToken(text);
  assert.ok(!('error' in token));
  assert.equal(token.latestCheckpointTimelineID, '3');
});

test('what is wrong with a bad token is said', () => {
  assert.match((decodePromotionToken('not a token!') as { error: string }).error, /not base64/);
  assert.match((decodePromotionToken(Buffer.from('[1]').toString('base64')) as { error: string }).error, /not a JSON object/);
  assert.match((decodePromotionToken(Buffer.from('{"redoWalFile":"x"}').toString('base64')) as { error: string }).error, /latestCheckpointTimelineID, databaseSystemIdentifier/);
});

test('checking a token against the standby: ok, wait or refuse, as CloudNativePG', () => {
  const token = tokenFromControlData(controlData({}), '0.1.0');
  assert.ok(token);
  assert.deepEqual(checkPromotionToken(token, controlData({ state: 'in archive recovery' })), { outcome: 'ok' });
  const cases: [Parameters<typeof controlData>[0], 'wait' | 'refuse', RegExp][] = [
    [{ system: '7311234567890000000' }, 'refuse', /another database/],
    [{ timeline: 2 }, 'refuse', /older than this cluster's 2/],
    [{ redo: '0/4000028' }, 'wait', /waiting to replay up to .* 0\/5000028/],
    [{ redo: '0/6000028' }, 'refuse', /stale/],
  ];
  for (const [data, outcome, message] of cases) {
    const check = checkPromotionToken(token, controlData({ state: 'in archive recovery', ...data }));
    assert.equal(check.outcome, outcome, JSON.stringify(data));
    assert.match((check as { message: string }).message, message);
  }
  assert.equal(checkPromotionToken({ ...token, latestCheckpointTimelineID: '2' }, controlData({})).outcome, 'wait');
});
