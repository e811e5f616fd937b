// The SQL the instance manager asks its own server, one named function per question or command.
import type pg from 'pg';
import { quoteIdent } from './sql.js';

export async function isInRecovery(c: pg.ClientBase): Promise<boolean> {
  return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true;
}

/** How far a standby has received WAL; undefined before it received any (or on a primary). */
export async function lastReceivedLsn(c: pg.ClientBase): Promise<string | undefined> {
  return (await c.query<{ l: string | null }>('SELECT pg_last_wal_receive_lsn()::text AS l')).rows[0]?.l ?? undefined;
}

/** Ends recovery and waits up to `waitSeconds` for the server to accept writes. */
/** pg_promote: true once promoted, false when `waitSeconds` passed first (the promotion goes on). */
export async function promote(c: pg.ClientBase, waitSeconds = 60): Promise<boolean> {
  const r = await c.query<{ promoted: boolean }>('SELECT pg_promote(true, $1) AS promoted', [waitSeconds]);
  return r.rows[0]?.promoted === true;
}

export async function checkpoint(c: pg.ClientBase): Promise<void> {
  await c.query('CHECKPOINT');
}

/**
 * For this session only: commits wait for no synchronous standby. The operator's own bookkeeping is
 * idempotent and re-applied if lost, so it must never hang on a standby that is not there (yet).
 */
export async function commitLocally(c: pg.ClientBase): Promise<void> {
  await c.query("SET synchronous_commit TO 'local'");
}

/** Creates the database, or gives an existing one to `owner`. */
export async function ensureDatabase(c: pg.ClientBase, database: string, owner: string): Promise<void> {
  const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
  if (exists) await c.query(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${quoteIdent(owner)}`);
  else await c.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)}`);
}

/** The user's own statements (postInit*SQL), one after the other. */
export async function runStatements(c: pg.ClientBase, statements: string[]): Promise<void> {
  for (const sql of statements) await c.query(sql);
}
