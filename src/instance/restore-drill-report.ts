// A drill's outcome as one JSON line short enough for a Pod's termination message (the kubelet
// keeps 4096 bytes): the longest free texts (pg_amcheck's output, the error) are shortened first,
// then the row counts that held are left out; whether the drill passed and why it failed stay.
import type { DrillOutcome } from './restore-drill.js';

/** What the kubelet keeps of a termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;
const SHORTEST_TEXT = 80;

export function outcomeLine(outcome: DrillOutcome, limit = TERMINATION_MESSAGE_LIMIT): string {
  const o: DrillOutcome = { ...outcome, ...(outcome.amcheck ? { amcheck: { ...outcome.amcheck } } : {}) };
  let line = JSON.stringify(o);
  while (Buffer.byteLength(line) > limit) {
    const output = o.amcheck?.output ?? '';
    const error = o.error ?? '';
    if (Math.max(output.length, error.length) > SHORTEST_TEXT) {
      // pg_amcheck's last lines and the error's first words say the most.
      if (output.length >= error.length) o.amcheck!.output = `…${output.slice(-Math.floor(output.length / 2))}`;
      else o.error = `${error.slice(0, Math.floor(error.length / 2))}…`;
    } else if (o.rows?.some((r) => r.ok)) {
      o.rows = o.rows.filter((r) => !r.ok);
    } else if (o.rows?.length) {
      o.rows = o.rows.slice(0, -1);
    } else {
      return JSON.stringify({ ok: o.ok, stage: o.stage, backupId: o.backupId, error: error.slice(0, SHORTEST_TEXT) });
    }
    line = JSON.stringify(o);
  }
  return line;
}
