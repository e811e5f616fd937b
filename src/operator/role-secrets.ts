// Which Secret holds each managed role's password, and what to say when one is missing. Pure, so
// both platforms agree on where the application owner's password comes from.
import type { StoredCluster as Cluster, ManagedRolesStatus } from '../api/cluster-status.js';
import type { Action, ObservedInstance } from './types.js';

/**
 * The application owner declared again as a managed role with a passwordSecret has one password:
 * the role's Secret, which X-app then mirrors. Without it X-app's generated password and the role's
 * would fight over the same database role, and whichever was applied last would win.
 */
export function ownerPasswordSecret(cluster: Cluster, owner: string, existing: ReadonlySet<string>): string | undefined {
  const role = cluster.spec.managed?.roles?.find((r) => r.name === owner && r.ensure === 'present');
  const name = role?.passwordSecret?.name;
  return name !== undefined && existing.has(name) ? name : undefined;
}

/** Roles whose password Secret does not exist, as CloudNativePG reports them (`cannotReconcile`). */
export function missingRoleSecrets(cluster: Cluster, existing: ReadonlySet<string>): Record<string, string[]> {
  const missing: Record<string, string[]> = {};
  for (const role of cluster.spec.managed?.roles ?? []) {
    const name = role.passwordSecret?.name;
    if (role.ensure !== 'present' || name === undefined || existing.has(name)) continue;
    missing[role.name] = [`password Secret ${name} does not exist: the role has no password until it does`];
  }
  return missing;
}

/** The status to record, and an Event only when the set of unreconcilable roles changes. */
export function planRoleSecrets(cluster: Cluster, existing: ReadonlySet<string>, previous: ManagedRolesStatus | undefined): { status?: ManagedRolesStatus; actions: Action[] } {
  const cannotReconcile = missingRoleSecrets(cluster, existing);
  const roles = Object.keys(cannotReconcile);
  const before = Object.keys(previous?.cannotReconcile ?? {});
  const actions: Action[] = [];
  const added = roles.filter((r) => !before.includes(r));
  if (added.length > 0) {
    const detail = added.map((r) => `${r} (${cannotReconcile[r]?.[0] ?? ''})`).join('; ');
    actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'ManagedRoleSecretMissing', message: `Managed roles without their password Secret: ${detail}` });
  }
  if (roles.length === 0) return { actions };
  return { status: { cannotReconcile }, actions };
}

/**
 * status.managedRolesStatus: the primary's last report (byStatus, passwordStatus, what PostgreSQL
 * refused) with the roles whose Secret is missing; while the primary does not answer, the last one recorded.
 */
export function managedRolesStatus(cluster: Cluster, primary: ObservedInstance | undefined, missing: ManagedRolesStatus | undefined, previous: ManagedRolesStatus | undefined): ManagedRolesStatus | undefined {
  if ((cluster.spec.managed?.roles ?? []).length === 0) return undefined;
  const report = primary?.status?.isPrimary ? primary.status.managedRoles : undefined;
  const base: ManagedRolesStatus = report ? { byStatus: report.byStatus, cannotReconcile: report.cannotReconcile, passwordStatus: report.passwordStatus } : { ...previous };
  const cannotReconcile = { ...(base.cannotReconcile ?? {}), ...(missing?.cannotReconcile ?? {}) };
  const out: ManagedRolesStatus = {};
  if (base.byStatus && Object.keys(base.byStatus).length > 0) out.byStatus = base.byStatus;
  if (Object.keys(cannotReconcile).length > 0) out.cannotReconcile = cannotReconcile;
  if (base.passwordStatus && Object.keys(base.passwordStatus).length > 0) out.passwordStatus = base.passwordStatus;
  return Object.keys(out).length > 0 ? out : undefined;
}
