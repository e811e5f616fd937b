// The physical replication slots a primary keeps for its standbys.
import type pg from 'pg';

export const SLOT_PREFIX = '_cnpg_';

/** Creates the slots wanted and drops stale, inactive ones of ours (those named with SLOT_PREFIX). */
export async function reconcileSlots(c: pg.ClientBase, wanted: string[]): Promise<void> {
  const r = await c.query("SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical' AND slot_name LIKE $1", [
    `${SLOT_PREFIX.replaceAll('_', '\\_')}%`,
  ]);
  const existing = new Map(r.rows.map((row: { slot_name: string; active: boolean }) => [row.slot_name, row.active]));
  for (const name of wanted) {
    if (!existing.has(name)) await c.query('SELECT pg_create_physical_replication_slot($1, true)', [name]);
  }
  for (const [name, active] of existing) {
    if (!wanted.includes(name) && !active) await c.query('SELECT pg_drop_replication_slot($1)', [name]);
  }
}
