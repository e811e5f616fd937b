// Pure: the outcome of a restore drill as the platform saw it end. The drill says its outcome as
// one JSON line (instance/restore-drill-main.ts): the last of its output locally, its termination
// message in a Pod. A drill that ended without saying one (stopped at the deadline, killed, a crash)
// is a failure at the restore stage with what it left, the same on both platforms.
import type { DrillOutcome } from '../instance/restore-drill.js';

export interface EndedDrill {
  /** What the drill printed last (its output, or a Pod's termination message). */
  said?: string;
  /** Its error output's tail, or why the platform says it ended (a Pod's reason). */
  reason?: string;
  /** Undefined when the platform knows none (a Pod that never started its container). */
  exitCode?: number;
  /** Set when the platform stopped it at its deadline. */
  timedOutAfterMs?: number;
}

const REASON_LIMIT = 1000;

export function endedDrillOutcome(backupId: string, ended: EndedDrill): DrillOutcome {
  const failed = (error: string): DrillOutcome => ({ ok: false, stage: 'restore', backupId, error });
  if (ended.timedOutAfterMs !== undefined) return failed(`the drill did not finish within ${Math.round(ended.timedOutAfterMs / 1000)} s and was stopped`);
  if (ended.exitCode === 0) {
    const said = saidOutcome(ended.said);
    if (said) return said;
  }
  const words = (ended.reason || ended.said || '').trim();
  const summary = words.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ').slice(0, REASON_LIMIT);
  return failed(summary || `the drill exited with ${ended.exitCode ?? 'an unknown code'}`);
}

function saidOutcome(said: string | undefined): DrillOutcome | undefined {
  const last = said?.trim().split('\n').pop() ?? '';
  try {
    const outcome = JSON.parse(last) as DrillOutcome;
    if (typeof outcome === 'object' && outcome !== null && typeof outcome.ok === 'boolean' && typeof outcome.stage === 'string') return outcome;
  } catch {
    /* not an outcome */
  }
  return undefined;
}
