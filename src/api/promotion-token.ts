// The token of the distributed topology, as CloudNativePG writes it: base64 of a JSON object made
// from the demoted primary's pg_controldata. The demoted site publishes it in
// status.demotionToken; the site to promote is given it as spec.replica.promotionToken and
// promotes only once it replayed exactly up to that checkpoint.

export interface PromotionToken {
  latestCheckpointTimelineID: string;
  redoWalFile: string;
  databaseSystemIdentifier: string;
  latestCheckpointREDOLocation: string;
  timeOfLatestCheckpoint: string;
  operatorVersion: string;
}

const FIELDS: readonly (keyof PromotionToken)[] = [
  'latestCheckpointTimelineID',
  'redoWalFile',
  'databaseSystemIdentifier',
  'latestCheckpointREDOLocation',
  'timeOfLatestCheckpoint',
  'operatorVersion',
];

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

export function encodePromotionToken(token: PromotionToken): string {
  // Field order as CloudNativePG's encoder, so equal contents give equal tokens.
  const ordered = Object.fromEntries(FIELDS.map((f) => [f, token[f]]));
  return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64');
}

/** The token's content, or what is wrong with it (in words a user can act on). */
export function decodePromotionToken(text: string): PromotionToken | { error: string } {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return { error: 'not base64 (copy status.demotionToken of the demoted cluster as it is)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return { error: 'its base64 content is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'its content is not a JSON object' };
  const record = parsed as Record<string, unknown>;
  const missing = FIELDS.filter((f) => typeof record[f] !== 'string' || record[f] === '');
  if (missing.length > 0) return { error: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} empty or missing` };
  const token = Object.fromEntries(FIELDS.map((f) => [f, record[f] as string])) as unknown as PromotionToken;
  if (!/^[1-9][0-9]*$/.test(token.latestCheckpointTimelineID)) return { error: `latestCheckpointTimelineID ${JSON.stringify(token.latestCheckpointTimelineID)} is not a timeline number` };
  if (!LSN.test(token.latestCheckpointREDOLocation)) return { error: `latestCheckpointREDOLocation ${JSON.stringify(token.latestCheckpointREDOLocation)} is not an LSN` };
  if (!/^[0-9]+$/.test(token.databaseSystemIdentifier)) return { error: `databaseSystemIdentifier ${JSON.stringify(token.databaseSystemIdentifier)} is not a system identifier` };
  if (!/^[0-9A-F]{24}$/.test(token.redoWalFile)) return { error: `redoWalFile ${JSON.stringify(token.redoWalFile)} is not a WAL file name` };
  return token;
}
