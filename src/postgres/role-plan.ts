// Pure: which managed roles need what, from the spec, the roles PostgreSQL has, and what was last
// applied. CloudNativePG's role reconciler semantics: roles not in the spec are left alone, the
// operator's and PostgreSQL's own are never touched, and a role is brought back to its declared
// state whenever it drifts (altered by hand, or its password Secret changed).
import { isReservedRoleName as isReservedRole } from '../api/cluster-managed.js';
import type { RoleAttributes } from './roles.js';

/** A managed role as the spec declares it (defaults applied). */
export interface DesiredRole extends RoleAttributes {
  name: string;
  ensure: 'present' | 'absent';
  inRoles: string[];
  comment?: string;
  disablePassword: boolean;
  hasPasswordSecret: boolean;
}

/** A role as pg_authid has it. `validUntil`: epoch milliseconds, Infinity, or null when never set. */
export interface DatabaseRole extends Omit<RoleAttributes, 'validUntil'> {
  name: string;
  validUntil: number | null;
  comment: string;
  inRoles: string[];
  /** xmin of its pg_authid row: any ALTER ROLE (a password changed by hand too) moves it. */
  transactionID: number;
}

/** What was applied last, per role (CloudNativePG's PasswordState). */
export interface PasswordState {
  transactionID: number;
  /** resourceVersion of the password Secret applied; absent when the role has none. */
  resourceVersion?: string;
}

export type RoleStatus = 'reconciled' | 'not-managed' | 'pending-reconciliation' | 'reserved';

/** What the password becomes: left as it is, removed, or the Secret's. */
export type PasswordChange = 'keep' | 'null' | 'secret';

export type RoleStep =
  | { kind: 'create'; password: PasswordChange }
  /** `validUntil`: what VALID UNTIL is set to; PostgreSQL cannot make it NULL again, so 'infinity' stands for never. */
  | { kind: 'alter'; password: PasswordChange; validUntil?: string }
  | { kind: 'comment'; comment: string }
  | { kind: 'memberships'; grant: string[]; revoke: string[] }
  | { kind: 'drop' };

export interface RoleWork {
  role: DesiredRole;
  steps: RoleStep[];
}

export interface RolePlan {
  byStatus: Partial<Record<RoleStatus, string[]>>;
  work: RoleWork[];
}


const ATTRIBUTES = ['login', 'superuser', 'createdb', 'createrole', 'inherit', 'replication', 'bypassrls', 'connectionLimit'] as const;

function sameValidUntil(db: DatabaseRole, spec: DesiredRole): boolean {
  if (spec.validUntil === undefined) return db.validUntil === null || db.validUntil === Infinity;
  const wanted = spec.validUntil === 'infinity' ? Infinity : Date.parse(spec.validUntil);
  if (db.validUntil === null) return false;
  return wanted === db.validUntil || Math.abs(wanted - db.validUntil) < 1;
}

function passwordChange(spec: DesiredRole): PasswordChange {
  if (spec.disablePassword) return 'null';
  return spec.hasPasswordSecret ? 'secret' : 'keep';
}

/**
 * `secretVersions`: the resourceVersion of each role's password Secret as handed to the instance;
 * a role with a passwordSecret missing here has no password to apply (its Secret is missing).
 */
function passwordOutdated(db: DatabaseRole, spec: DesiredRole, applied: Record<string, PasswordState>, secretVersions: Record<string, string>): boolean {
  const last = applied[spec.name];
  if (spec.hasPasswordSecret && !spec.disablePassword && secretVersions[spec.name] === undefined) return true;
  return last === undefined || last.transactionID !== db.transactionID || (spec.hasPasswordSecret && last.resourceVersion !== secretVersions[spec.name]);
}

const sorted = (names: readonly string[]) => [...new Set(names)].sort();

function membershipStep(db: DatabaseRole | undefined, spec: DesiredRole): RoleStep | undefined {
  const have = sorted(db?.inRoles ?? []);
  const want = sorted(spec.inRoles);
  const grant = want.filter((r) => !have.includes(r));
  const revoke = have.filter((r) => !want.includes(r));
  return grant.length + revoke.length > 0 ? { kind: 'memberships', grant, revoke } : undefined;
}

export function planRoles(desired: readonly DesiredRole[], inDatabase: readonly DatabaseRole[], applied: Record<string, PasswordState>, secretVersions: Record<string, string>): RolePlan {
  const byStatus: Partial<Record<RoleStatus, string[]>> = {};
  const mark = (status: RoleStatus, name: string) => (byStatus[status] ??= []).push(name);
  const work: RoleWork[] = [];
  const specs = new Map(desired.map((r) => [r.name, r]));
  const existing = new Map(inDatabase.map((r) => [r.name, r]));
  for (const db of inDatabase) {
    const spec = specs.get(db.name);
    if (isReservedRole(db.name)) mark('reserved', db.name);
    else if (!spec) mark('not-managed', db.name);
  }
  for (const spec of desired) {
    if (isReservedRole(spec.name)) continue;
    const db = existing.get(spec.name);
    const steps: RoleStep[] = [];
    if (spec.ensure === 'absent') {
      if (db) steps.push({ kind: 'drop' });
    } else if (!db) {
      steps.push({ kind: 'create', password: passwordChange(spec) });
      if (spec.comment) steps.push({ kind: 'comment', comment: spec.comment });
      const members = membershipStep(undefined, spec);
      if (members) steps.push(members);
    } else {
      const attributesDiffer = ATTRIBUTES.some((a) => db[a] !== spec[a]) || !sameValidUntil(db, spec);
      if (attributesDiffer || passwordOutdated(db, spec, applied, secretVersions)) {
        const validUntil = spec.validUntil ?? (db.validUntil !== null ? 'infinity' : undefined);
        steps.push({ kind: 'alter', password: passwordChange(spec), ...(validUntil !== undefined ? { validUntil } : {}) });
      }
      if ((spec.comment ?? '') !== db.comment) steps.push({ kind: 'comment', comment: spec.comment ?? '' });
      const members = membershipStep(db, spec);
      if (members) steps.push(members);
    }
    mark(steps.length > 0 ? 'pending-reconciliation' : 'reconciled', spec.name);
    if (steps.length > 0) work.push({ role: spec, steps });
  }
  for (const names of Object.values(byStatus)) names.sort();
  return { byStatus, work };
}
