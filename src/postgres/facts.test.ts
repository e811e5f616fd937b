import test from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { readPostgresFacts } from './facts.js';

/** A client answering the standby's queries as node-postgres would (timestamptz as Date). */
function standbyClient(receiver: Record<string, unknown> | undefined): pg.ClientBase {
  const query = async (sql: string) => {
    if (sql.includes('pg_is_in_recovery()')) {
      return { rows: [{ in_recovery: true, system_id: '1', pending_restart: 0, pending_decrease: 0, current_lsn: null, received_lsn: '0/3000060', replay_lsn: '0/3000060', checkpoint_tli: 1, server_version: '16.4 (Debian)', sync_names: '', postmaster_start: new Date('2026-01-01T00:00:00.250Z') }] };
    }
    if (sql.includes('pg_stat_wal_receiver')) return { rows: receiver ? [receiver] : [] };
    throw new Error(`unexpected query: ${sql}`);
  };
  return { query } as unknown as pg.ClientBase;
}

test('a standby reports its postmaster start and when its WAL receiver last heard from the primary', async () => {
  const facts = await readPostgresFacts(standbyClient({ status: 'streaming', received_tli: 1, last_msg_receipt_time: new Date('2026-01-01T00:01:02.500Z') }));
  assert.equal(facts.postmasterStartTime, '2026-01-01T00:00:00.250Z');
  assert.equal(facts.isWalReceiverActive, true);
  assert.equal(facts.walReceiverLastMessageAt, '2026-01-01T00:01:02.500Z');
});

test('a standby whose WAL receiver does not run reports no last message', async () => {
  const facts = await readPostgresFacts(standbyClient(undefined));
  assert.equal(facts.isWalReceiverActive, false);
  assert.equal(facts.walReceiverLastMessageAt, undefined);
});
