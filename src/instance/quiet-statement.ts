// Statements that carry a password run with the server's statement logging off for their transaction.
import type pg from 'pg';

/** A statement carrying a password: its text stays out of the server log, whatever log_statement says. */
export async function withoutStatementLogging(c: pg.ClientBase, sql: string): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query("SET LOCAL log_statement = 'none'");
    await c.query("SET LOCAL log_min_error_statement = 'panic'");
    await c.query("SET LOCAL log_min_duration_statement = -1");
    await c.query(sql);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
