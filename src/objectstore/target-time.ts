// recoveryTarget.targetTime as users write it: RFC 3339, or PostgreSQL's own output form.
import { ObjectStoreError } from './errors.js';
import { parseTimestamp } from './timestamp.js';

/** Parses RFC 3339 or '2024-01-15 13:41:00.000000+00'; a time without a zone is UTC. */
export function parseTargetTime(text: string): Date {
  const date = parseTimestamp(text);
  if (!date) {
    throw new ObjectStoreError('invalid', `invalid targetTime "${text}": use RFC 3339 (2024-01-15T13:41:00Z) or 2024-01-15 13:41:00.000000+00`);
  }
  return date;
}
