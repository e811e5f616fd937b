// Which basic-auth Secrets opt out of SCRAM-encoding their password before it reaches PostgreSQL
// (cnpg.io/passwordPassthrough: "enabled"), read where each password comes from, as CloudNativePG
// reads it: the superuser Secret, the application owner's Secret, each managed role's passwordSecret.
import type { Cluster } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import { ANNOTATIONS, secretNames } from '../api/names.js';
import type { PasswordPassthrough } from '../instance/spec.js';
import type { ResourceStore } from './platform.js';

/** Only the value "enabled" turns it on, as in CloudNativePG ("true" does not). */
export function passthroughEnabled(secret: KubeObject | undefined): boolean {
  return secret?.metadata.annotations?.[ANNOTATIONS.passwordPassthrough] === 'enabled';
}

/**
 * X-app copies its password from the user's Secret when there is one (bootstrap secret, or the
 * owner's managed-role passwordSecret): that Secret's annotation decides, as the password is its.
 */
async function appPassthrough(store: ResourceStore, cluster: Cluster, owner: string | undefined): Promise<boolean> {
  const ns = cluster.metadata.namespace ?? 'default';
  const bootstrap = cluster.spec.bootstrap?.initdb ?? cluster.spec.bootstrap?.recovery ?? cluster.spec.bootstrap?.pg_basebackup;
  const ownerRole = cluster.spec.managed?.roles?.find((r) => r.name === owner && r.ensure === 'present');
  for (const name of [bootstrap?.secret?.name, ownerRole?.passwordSecret?.name]) {
    const source = name === undefined ? undefined : await store.get('Secret', ns, name);
    if (source) return passthroughEnabled(source);
  }
  return passthroughEnabled(await store.get('Secret', ns, secretNames(cluster.metadata.name).app));
}

/** The flags for Credentials; undefined when no Secret asks, so credential hashes stay what they were. */
export async function resolvePasswordPassthrough(
  store: ResourceStore,
  cluster: Cluster,
  app: { owner: string | undefined; superuserSecret: KubeObject | undefined },
  roles: readonly string[],
): Promise<PasswordPassthrough | undefined> {
  const out: PasswordPassthrough = {};
  if (await appPassthrough(store, cluster, app.owner)) out.app = true;
  if (passthroughEnabled(app.superuserSecret)) out.superuser = true;
  if (roles.length > 0) out.roles = [...roles];
  return Object.keys(out).length > 0 ? out : undefined;
}
