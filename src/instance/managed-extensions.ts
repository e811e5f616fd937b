// The extensions the operator manages (postgres/libraries.ts) exist, on the primary, in every
// database that accepts connections (template1 included, so later databases have them too), as
// long as the Cluster sets their parameters; CloudNativePG does the same.
import { usedManagedExtensions } from '../postgres/libraries.js';
import { quoteIdent } from '../postgres/sql.js';
import { withConnection, type SocketTarget } from './db.js';
import { log } from './log.js';

export class ManagedExtensions {
  /** What the last complete pass left in place; unknown until one completes. */
  private applied: ReadonlySet<string> | undefined;

  /**
   * Creates the used ones, and drops those this manager saw in use and no longer are: a manager
   * that just started drops nothing, so an extension a user created by hand survives it. A
   * failure (a library not loaded until the pending restart) is retried at the next reconcile.
   */
  async reconcile(socket: SocketTarget, parameters: Readonly<Record<string, string>>): Promise<void> {
    const used = new Set(usedManagedExtensions(parameters).filter((e) => e.createExtension).map((e) => e.name));
    const applied = this.applied;
    if (applied && applied.size === used.size && [...used].every((name) => applied.has(name))) return;
    const dropped = [...(applied ?? [])].filter((name) => !used.has(name));
    try {
      const databases = await withConnection(socket, 'postgres', async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname')).rows);
      for (const { datname } of databases) {
        await withConnection(socket, datname, async (c) => {
          for (const name of used) await c.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}`);
          for (const name of dropped) await c.query(`DROP EXTENSION IF EXISTS ${quoteIdent(name)}`);
        });
      }
      this.applied = used;
    } catch (e) {
      log('warn', 'managed extensions not in place yet; retrying at the next reconcile', { wanted: [...used], error: (e as Error).message });
    }
  }
}
