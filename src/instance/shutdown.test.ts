import test from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMINGS, shutdownSteps, switchoverShutdownSteps } from './shutdown.js';

test('a stopped instance shuts down smart for smartShutdownTimeout, fast for the rest of stopDelay, then immediate', () => {
  assert.deepEqual(shutdownSteps(DEFAULT_TIMINGS), [
    { signal: 'SIGTERM', timeoutMs: 180_000 },
    { signal: 'SIGINT', timeoutMs: 1_620_000 },
    { signal: 'SIGQUIT' },
  ]);
  assert.deepEqual(shutdownSteps({ smartShutdownTimeout: 3, stopDelay: 10 }), [
    { signal: 'SIGTERM', timeoutMs: 3000 },
    { signal: 'SIGINT', timeoutMs: 7000 },
    { signal: 'SIGQUIT' },
  ]);
});

test('no smart shutdown when smartShutdownTimeout is 0 or leaves stopDelay no time for a fast one (as the reference)', () => {
  for (const t of [{ smartShutdownTimeout: 0, stopDelay: 30 }, { smartShutdownTimeout: 30, stopDelay: 30 }, { smartShutdownTimeout: 60, stopDelay: 30 }]) {
    assert.deepEqual(shutdownSteps(t), [{ signal: 'SIGINT', timeoutMs: 30_000 }, { signal: 'SIGQUIT' }], JSON.stringify(t));
  }
});

test('the old primary of a switchover stops fast within switchoverDelay, then immediately', () => {
  assert.deepEqual(switchoverShutdownSteps({ switchoverDelay: 5 }), [{ signal: 'SIGINT', timeoutMs: 5000 }, { signal: 'SIGQUIT' }]);
});
