// The promotion token against a data directory's pg_controldata: made from the demoted primary's
// after its shutdown, checked against the designated primary's before it promotes. The checks
// and their outcomes are CloudNativePG's (pkg/promotiontoken), in our words.
import type { PromotionToken } from '../api/promotion-token.js';
import { parseControlData } from './controldata.js';
import { compareLsn } from './lsn.js';

const SHUT_DOWN = new Set(['shut down', 'shut down in recovery']);

/** The token of a data directory PostgreSQL shut down cleanly; undefined while it is not shut down. */
export function tokenFromControlData(output: string, operatorVersion: string): PromotionToken | undefined {
  const f = parseControlData(output);
  if (!SHUT_DOWN.has(f.get('Database cluster state') ?? '')) return undefined;
  const get = (label: string) => {
    const value = f.get(label);
    if (!value) throw new Error(`pg_controldata did not report ${JSON.stringify(label)}`);
    return value;
  };
  return {
    latestCheckpointTimelineID: get("Latest checkpoint's TimeLineID"),
    redoWalFile: get("Latest checkpoint's REDO WAL file"),
    databaseSystemIdentifier: get('Database system identifier'),
    latestCheckpointREDOLocation: get("Latest checkpoint's REDO location"),
    timeOfLatestCheckpoint: get('Time of latest checkpoint'),
    operatorVersion,
  };
}

/** `wait`: not there yet, replay continues; `refuse`: this data can never match the token. */
export type TokenCheck = { outcome: 'ok' } | { outcome: 'wait' | 'refuse'; message: string };

/** `output`: pg_controldata of the standby right after a CHECKPOINT (a restartpoint at the last replayed checkpoint). */
export function checkPromotionToken(token: PromotionToken, output: string): TokenCheck {
  const f = parseControlData(output);
  const systemId = f.get('Database system identifier') ?? '';
  if (systemId !== token.databaseSystemIdentifier) {
    return { outcome: 'refuse', message: `the promotion token is of another database (system identifier ${token.databaseSystemIdentifier}; this cluster's is ${systemId})` };
  }
  const timeline = Number(f.get("Latest checkpoint's TimeLineID"));
  const wantedTimeline = Number(token.latestCheckpointTimelineID);
  if (wantedTimeline < timeline) {
    return { outcome: 'refuse', message: `the promotion token is of timeline ${wantedTimeline}, older than this cluster's ${timeline}: it is stale, use the current status.demotionToken` };
  }
  if (wantedTimeline > timeline) return { outcome: 'wait', message: `waiting to reach timeline ${wantedTimeline} of the promotion token (at ${timeline})` };
  const replayed = f.get("Latest checkpoint's REDO location") ?? '';
  const wanted = token.latestCheckpointREDOLocation;
  const order = compareLsn(wanted, replayed);
  if (order < 0) {
    return { outcome: 'refuse', message: `the promotion token's checkpoint (${wanted}) is older than what this cluster replayed (${replayed}): it is stale, use the current status.demotionToken` };
  }
  if (order > 0) return { outcome: 'wait', message: `waiting to replay up to the promotion token's checkpoint ${wanted} (replayed ${replayed})` };
  return { outcome: 'ok' };
}
