// The primary's part in a Pooler's built-in authentication: while the operator says a Pooler
// uses it, the pooler's role and its lookup function exist in every database that takes
// connections; once none does, they are removed again.
import { connectableDatabases, dropPoolerRole, dropUserSearch, ensurePoolerRole, ensureUserSearch, poolerRoleExists } from '../postgres/pooler-auth.js';
import { withConnection, type SocketTarget } from './db.js';

export async function reconcilePoolerAuth(socket: SocketTarget, enabled: boolean): Promise<void> {
  const databases = await withConnection(socket, 'postgres', async (c) => {
    if (enabled) await ensurePoolerRole(c);
    else if (!(await poolerRoleExists(c))) return [];
    return connectableDatabases(c);
  });
  for (const database of databases) {
    await withConnection(socket, database, (c) => (enabled ? ensureUserSearch(c, database) : dropUserSearch(c)));
  }
  if (!enabled && databases.length > 0) await withConnection(socket, 'postgres', dropPoolerRole);
}
