import test from 'node:test';
import assert from 'node:assert/strict';
import { exitIsCrash, reconcileAllowed, reportedPhase, type ManagerState } from './state.js';

// state, a postmaster exit is a crash, reconciles may start, phase reported
const TABLE: [ManagerState, boolean, boolean, string][] = [
  ['starting', true, true, 'starting'],
  ['running', true, true, 'running'],
  ['stopped', true, true, 'stopped'],
  ['start-failed', true, true, 'failed'],
  ['bootstrapping', false, true, 'bootstrapping'],
  ['rejoining', false, true, 'rejoining'],
  ['stopping-for-restart', false, false, 'restarting'],
  ['restarting', false, true, 'restarting'],
  ['demoting', false, false, 'demoting'],
  ['fenced', false, true, 'fenced'],
  ['isolated', false, true, 'isolated'],
  ['shutting-down', false, false, 'stopped'],
];

test('each state says whether an exit is a crash, whether reconciles run, and what status reports', () => {
  for (const [state, crash, reconciles, phase] of TABLE) {
    assert.equal(exitIsCrash(state), crash, `${state}: exit is a crash`);
    assert.equal(reconcileAllowed(state), reconciles, `${state}: reconcile allowed`);
    assert.equal(reportedPhase(state), phase, `${state}: phase`);
  }
});

test('a restart keeps reporting "restarting" from the stop until PostgreSQL starts again', () => {
  // The operator does not fail over an instance that reports it is restarting.
  assert.equal(reportedPhase('stopping-for-restart'), reportedPhase('restarting'));
});
