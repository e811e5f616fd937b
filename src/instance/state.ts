// What the instance manager is doing, as one value. Whether a postmaster exit is a crash, whether a
// reconcile may start, and the phase status reports are all read from it (and nowhere else).
import type { InstancePhase } from './status.js';

export type ManagerState =
  /** PostgreSQL is being started and is not accepting connections yet. */
  | 'starting'
  | 'running'
  /** PostgreSQL is down without being asked to be: a crash, or a demoted primary awaiting its new spec. */
  | 'stopped'
  /** PostgreSQL exited or never accepted connections while being started. */
  | 'start-failed'
  /** initdb, a clone from the primary, or an archive recovery. */
  | 'bootstrapping'
  /** A former primary being stopped and rewound (or cloned afresh) to follow the new one. */
  | 'rejoining'
  /** Stopping PostgreSQL for a restart; nothing else may start it meanwhile. */
  | 'stopping-for-restart'
  /** Stopped for a restart; the next reconcile starts it. */
  | 'restarting'
  /** Checkpointing and stopping a primary for a switchover; nothing else may start it meanwhile. */
  | 'demoting'
  | 'fenced'
  | 'isolated'
  /** The manager itself is stopping, and PostgreSQL with it. */
  | 'shutting-down';

interface Rules {
  /** The postmaster is down, or going down, on purpose: its exit is no crash. */
  exitExpected: boolean;
  /** Only the verb that entered the state may change it: timers and requests do not reconcile. */
  held: boolean;
  /** What status reports. */
  phase: InstancePhase;
}

const RULES: Record<ManagerState, Rules> = {
  starting: { exitExpected: false, held: false, phase: 'starting' },
  running: { exitExpected: false, held: false, phase: 'running' },
  stopped: { exitExpected: false, held: false, phase: 'stopped' },
  'start-failed': { exitExpected: false, held: false, phase: 'failed' },
  bootstrapping: { exitExpected: true, held: false, phase: 'bootstrapping' },
  rejoining: { exitExpected: true, held: false, phase: 'rejoining' },
  'stopping-for-restart': { exitExpected: true, held: true, phase: 'restarting' },
  restarting: { exitExpected: true, held: false, phase: 'restarting' },
  demoting: { exitExpected: true, held: true, phase: 'demoting' },
  fenced: { exitExpected: true, held: false, phase: 'fenced' },
  isolated: { exitExpected: true, held: false, phase: 'isolated' },
  'shutting-down': { exitExpected: true, held: true, phase: 'stopped' },
};

export function reportedPhase(state: ManagerState): InstancePhase {
  return RULES[state].phase;
}

/** A postmaster exit in this state is a crash, to be restarted after a back-off. */
export function exitIsCrash(state: ManagerState): boolean {
  return !RULES[state].exitExpected;
}

export function reconcileAllowed(state: ManagerState): boolean {
  return !RULES[state].held;
}
