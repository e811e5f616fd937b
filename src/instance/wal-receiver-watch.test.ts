import test from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceStatus } from './status.js';
import { WalReceiverWatch } from './wal-receiver-watch.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function standby(over: Partial<InstanceStatus>): InstanceStatus {
  return { name: 'pg-2', managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: false, postmasterStartTime: iso(0), ...over };
}

test('a standby that never streamed since its PostgreSQL started reports nothing heard', () => {
  const watch = new WalReceiverWatch();
  assert.equal(watch.annotate(standby({ isWalReceiverActive: false }), 'pg-1', T0 + 10_000).walReceiver, undefined);
});

test('what a standby heard outlives its WAL receiver, and its silence is measured on its own clock', () => {
  const watch = new WalReceiverWatch();
  watch.annotate(standby({ isWalReceiverActive: true, walReceiverLastMessageAt: iso(3) }), 'pg-1', T0 + 4000);
  // The receiver exited: PostgreSQL no longer says when it last heard from the primary.
  const after = watch.annotate(standby({ isWalReceiverActive: false }), 'pg-1', T0 + 11_000).walReceiver;
  assert.deepEqual(after, { from: 'pg-1', lastHeardAt: iso(3), silentForMs: 8000 });
});

test('a restarted PostgreSQL, or another primary to follow, forgets what was heard', () => {
  const watch = new WalReceiverWatch();
  watch.annotate(standby({ isWalReceiverActive: true, walReceiverLastMessageAt: iso(3) }), 'pg-1', T0 + 4000);
  assert.equal(watch.annotate(standby({ postmasterStartTime: iso(5) }), 'pg-1', T0 + 6000).walReceiver, undefined);
  watch.annotate(standby({ postmasterStartTime: iso(5), walReceiverLastMessageAt: iso(7) }), 'pg-1', T0 + 8000);
  assert.equal(watch.annotate(standby({ postmasterStartTime: iso(5) }), 'pg-3', T0 + 9000).walReceiver, undefined);
  assert.equal(watch.annotate(standby({ isPrimary: true }), 'pg-3', T0 + 9000).walReceiver, undefined, 'a primary reports none');
});

test('a standby whose PostgreSQL does not answer its manager once keeps what it heard', () => {
  const watch = new WalReceiverWatch();
  watch.annotate(standby({ isWalReceiverActive: true, walReceiverLastMessageAt: iso(3) }), 'pg-1', T0 + 4000);
  // Without PostgreSQL's facts the status carries the manager's own start time for it, which differs.
  const slow = watch.annotate(standby({ isPrimary: undefined, postmasterStartTime: iso(-0.2) }), 'pg-1', T0 + 6000).walReceiver;
  assert.equal(slow?.silentForMs, 3000);
  assert.equal(watch.annotate(standby({}), 'pg-1', T0 + 9000).walReceiver?.silentForMs, 6000);
});
