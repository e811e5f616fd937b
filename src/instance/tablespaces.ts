// spec.tablespaces on the primary: each one created, or given its declared owner, and nothing else
// touched. A pure plan from what the catalog holds, then the statements, one tablespace at a time
// so that one failing (an owner that does not exist yet) leaves the others reconciled.
import type pg from 'pg';
import type { TablespaceState } from '../api/cluster-status.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import type { TablespaceLayout } from './storage-layout.js';

export interface ExistingTablespace {
  name: string;
  owner: string;
}

export type TablespaceStep = { kind: 'create' | 'alter-owner' | 'none'; tablespace: TablespaceLayout };

export function planTablespaces(existing: readonly ExistingTablespace[], wanted: readonly TablespaceLayout[]): TablespaceStep[] {
  const byName = new Map(existing.map((t) => [t.name, t]));
  return wanted.map((tablespace) => {
    const found = byName.get(tablespace.name);
    const kind = !found ? 'create' : found.owner !== tablespace.owner ? 'alter-owner' : 'none';
    return { kind, tablespace };
  });
}

export function tablespaceStatement(step: TablespaceStep): string | undefined {
  const { name, owner, location } = step.tablespace;
  switch (step.kind) {
    case 'create':
      return `CREATE TABLESPACE ${quoteIdent(name)} OWNER ${quoteIdent(owner)} LOCATION ${quoteLiteral(location)}`;
    case 'alter-owner':
      return `ALTER TABLESPACE ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`;
    case 'none':
      return undefined;
    default: {
      const never: never = step.kind;
      throw new Error(`unknown tablespace step ${String(never)}`);
    }
  }
}

async function existingTablespaces(c: pg.ClientBase): Promise<ExistingTablespace[]> {
  const r = await c.query<ExistingTablespace>(
    `SELECT t.spcname AS name, COALESCE(r.rolname, '') AS owner
       FROM pg_catalog.pg_tablespace t LEFT JOIN pg_catalog.pg_roles r ON r.oid = t.spcowner
      WHERE t.spcname NOT LIKE 'pg\\_%'`,
  );
  return r.rows;
}

/** Runs on the primary; the states are what status.tablespacesStatus shows. */
export async function reconcileTablespaces(c: pg.ClientBase, wanted: readonly TablespaceLayout[]): Promise<TablespaceState[]> {
  if (wanted.length === 0) return [];
  const steps = planTablespaces(await existingTablespaces(c), wanted);
  const states: TablespaceState[] = [];
  for (const step of steps) {
    const { name, owner } = step.tablespace;
    const statement = tablespaceStatement(step);
    try {
      if (statement) await c.query(statement);
      states.push({ name, owner, state: 'reconciled' });
    } catch (e) {
      states.push({ name, owner, state: 'pending', error: (e as Error).message });
    }
  }
  return states;
}
