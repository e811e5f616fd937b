// spec.managed.roles on the primary: read pg_authid, plan (postgres/role-plan.ts), apply each role's
// steps, and report what PostgreSQL refused, role by role, so one role's failure holds up no other.
// Passwords reach PostgreSQL as postgres/password-form.ts says, in statements kept out of the server's log.
import type pg from 'pg';
import { planRoles, type DatabaseRole, type PasswordChange, type PasswordState, type RolePlan, type RoleStatus, type RoleStep, type RoleWork } from '../postgres/role-plan.js';
import { passwordClause, roleOptions } from '../postgres/roles.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import type { Credentials, ManagedRoleSpec } from './spec.js';
import { withoutStatementLogging } from './quiet-statement.js';

/** What the primary reports of its managed roles (CloudNativePG's status.managedRolesStatus). */
export interface ManagedRolesReport {
  byStatus: Partial<Record<RoleStatus, string[]>>;
  cannotReconcile?: Record<string, string[]>;
  passwordStatus: Record<string, PasswordState>;
}

const LIST_ROLES = `
  SELECT a.rolname AS name, a.rolsuper AS superuser, a.rolinherit AS inherit, a.rolcreaterole AS createrole,
         a.rolcreatedb AS createdb, a.rolcanlogin AS login, a.rolreplication AS replication,
         a.rolbypassrls AS bypassrls, a.rolconnlimit AS "connectionLimit",
         CASE WHEN a.rolvaliduntil IS NULL THEN NULL
              WHEN NOT isfinite(a.rolvaliduntil) THEN 'infinity'
              ELSE (extract(epoch FROM a.rolvaliduntil) * 1000)::text END AS valid_until,
         coalesce(pg_catalog.shobj_description(a.oid, 'pg_authid'), '') AS comment,
         a.xmin::text AS xmin,
         coalesce((SELECT array_agg(DISTINCT pg_catalog.pg_get_userbyid(m.roleid)::text) FROM pg_catalog.pg_auth_members m WHERE m.member = a.oid), '{}') AS in_roles
    FROM pg_catalog.pg_authid a
   WHERE a.rolname NOT LIKE 'pg\\_%'`;

interface RoleRow extends Omit<DatabaseRole, 'validUntil' | 'transactionID' | 'inRoles'> {
  valid_until: string | null;
  xmin: string;
  in_roles: string[];
}

export async function listRoles(c: pg.ClientBase): Promise<DatabaseRole[]> {
  const r = await c.query<RoleRow>(LIST_ROLES);
  return r.rows.map(({ valid_until, xmin, in_roles, ...row }) => ({
    ...row,
    validUntil: valid_until === null ? null : valid_until === 'infinity' ? Infinity : Number(valid_until),
    inRoles: in_roles,
    transactionID: Number(xmin),
  }));
}

class RoleFailure extends Error {}

function passwordSql(change: PasswordChange, name: string, creds: Credentials): string {
  if (change === 'keep') return '';
  if (change === 'null') return ' PASSWORD NULL';
  const password = creds.rolePasswords[name];
  if (password === undefined) throw new RoleFailure('its password Secret is missing, has no password, or names another username: the role is left as it is until it does');
  return ` ${passwordClause(password, creds.passwordPassthrough?.roles?.includes(name) === true)}`;
}

async function applyStep(c: pg.ClientBase, work: RoleWork, step: RoleStep, creds: Credentials): Promise<void> {
  const { role } = work;
  const ident = quoteIdent(role.name);
  switch (step.kind) {
    case 'create':
    case 'alter': {
      const verb = step.kind === 'create' ? 'CREATE' : 'ALTER';
      const validUntil = step.kind === 'alter' ? step.validUntil : role.validUntil;
      const options = roleOptions({ ...role, validUntil });
      const password = passwordSql(step.password, role.name, creds);
      const sql = `${verb} ROLE ${ident} WITH ${options}${password}`;
      if (step.password === 'secret') await withoutStatementLogging(c, sql);
      else await c.query(sql);
      return;
    }
    case 'comment':
      await c.query(`COMMENT ON ROLE ${ident} IS ${step.comment === '' ? 'NULL' : quoteLiteral(step.comment)}`);
      return;
    case 'memberships':
      // All or nothing, as CloudNativePG: a missing parent leaves the memberships as they were.
      await c.query('BEGIN');
      try {
        for (const parent of step.grant) await c.query(`GRANT ${quoteIdent(parent)} TO ${ident}`);
        for (const parent of step.revoke) await c.query(`REVOKE ${quoteIdent(parent)} FROM ${ident}`);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      return;
    case 'drop':
      await c.query(`DROP ROLE IF EXISTS ${ident}`);
      return;
    default: {
      const never: never = step;
      throw new Error(`unhandled role step ${JSON.stringify(never)}`);
    }
  }
}

/** PostgreSQL's reason, with its detail where the message alone says little (objects a role still owns). */
function reason(step: RoleStep, e: unknown): string {
  const err = e as { message?: string; detail?: string };
  const cause = err.detail ? `${err.message ?? ''}: ${err.detail}` : (err.message ?? String(e));
  return `could not ${step.kind} the role: ${cause}`;
}

/**
 * Brings every managed role to its declared state. `applied` is what this manager applied last
 * (updated in place); `secretVersions` the password Secrets' resourceVersions it was handed.
 */
export async function syncManagedRoles(
  c: pg.ClientBase,
  roles: readonly ManagedRoleSpec[],
  creds: Credentials,
  applied: Record<string, PasswordState>,
): Promise<ManagedRolesReport> {
  const secretVersions = creds.rolePasswordVersions ?? {};
  const plan: RolePlan = planRoles(roles, await listRoles(c), applied, secretVersions);
  const cannotReconcile: Record<string, string[]> = {};
  // Creations and attribute changes first, memberships after: a role may join one created in the same pass.
  const failed = new Set<string>();
  for (const memberships of [false, true]) {
    for (const work of plan.work) {
      if (failed.has(work.role.name)) continue;
      for (const step of work.steps.filter((s) => (s.kind === 'memberships') === memberships)) {
        try {
          await applyStep(c, work, step, creds);
        } catch (e) {
          (cannotReconcile[work.role.name] ??= []).push(e instanceof RoleFailure ? e.message : reason(step, e));
          failed.add(work.role.name);
          break;
        }
      }
    }
  }
  const afterList = await listRoles(c);
  const after = new Map(afterList.map((r) => [r.name, r]));
  for (const work of plan.work) {
    const name = work.role.name;
    const row = after.get(name);
    if (!row || failed.has(name)) {
      if (!row) delete applied[name];
      continue;
    }
    applied[name] = { transactionID: row.transactionID, ...(secretVersions[name] !== undefined ? { resourceVersion: secretVersions[name] } : {}) };
  }
  // Roles no longer declared drop out of what is tracked.
  for (const name of Object.keys(applied)) if (!roles.some((r) => r.name === name && r.ensure === 'present')) delete applied[name];
  return {
    // As things stand after this pass: a role fixed just now is reconciled, one that failed still pending.
    byStatus: planRoles(roles, afterList, applied, secretVersions).byStatus,
    ...(Object.keys(cannotReconcile).length > 0 ? { cannotReconcile } : {}),
    passwordStatus: { ...applied },
  };
}

/** A primary's managed-role state across its reconciles: what it applied, and its last report. */
export class ManagedRoleSync {
  private readonly applied: Record<string, PasswordState> = {};
  report?: ManagedRolesReport;

  async sync(c: pg.ClientBase, roles: readonly ManagedRoleSpec[], creds: Credentials): Promise<void> {
    // CloudNativePG leaves everything alone, and reports nothing, while no role is declared.
    this.report = roles.length === 0 ? undefined : await syncManagedRoles(c, roles, creds, this.applied);
  }
}
