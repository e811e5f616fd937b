// The managed roles' passwords, read from their Secrets with each Secret's resourceVersion: the
// primary applies a password again when that version changes (CloudNativePG's passwordStatus).
import type { Cluster } from '../api/index.js';
import type { ResourceStore } from './platform.js';
import { decodeData } from './secrets.js';
import { passthroughEnabled } from './password-passthrough.js';

export interface RolePasswords {
  rolePasswords: Record<string, string>;
  rolePasswordVersions: Record<string, string>;
  /** Roles whose Secret carries cnpg.io/passwordPassthrough: "enabled". */
  passthrough: string[];
}

/**
 * A Secret whose username is not the role's gives no password (as CloudNativePG refuses it): the
 * primary reports the role as one it cannot reconcile. Username and password are trimmed, as there.
 */
export async function resolveRolePasswords(store: ResourceStore, cluster: Cluster): Promise<RolePasswords> {
  const ns = cluster.metadata.namespace ?? 'default';
  const out: RolePasswords = { rolePasswords: {}, rolePasswordVersions: {}, passthrough: [] };
  for (const role of cluster.spec.managed?.roles ?? []) {
    if (!role.passwordSecret || role.ensure === 'absent' || role.disablePassword) continue;
    const secret = await store.get('Secret', ns, role.passwordSecret.name);
    if (!secret) continue;
    const values = decodeData(secret);
    if (values.password === undefined) continue;
    if (values.username !== undefined && values.username.trim() !== role.name) continue;
    out.rolePasswords[role.name] = values.password.trim();
    out.rolePasswordVersions[role.name] = secret.metadata.resourceVersion ?? '';
    if (passthroughEnabled(secret)) out.passthrough.push(role.name);
  }
  return out;
}
