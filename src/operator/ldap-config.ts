// spec.postgresql.ldap as an instance is told it: the settings in its config, the bind password
// (read from the Secret bindSearchAuth.bindPassword names) in its credentials only, so that a
// rotated password changes the credentials hash and reaches pg_hba.conf with a reload.
import type { Cluster } from '../api/index.js';
import type { LdapSpec } from '../postgres/ldap-hba.js';
import { readSecretKey } from './credentials-read.js';
import type { ResourceStore } from './platform.js';
import type { ClusterCredentials, InstanceConfig } from './types.js';

/**
 * As CloudNativePG: without a bind method there is no rule. Left out then, so the configuration
 * hash of a Cluster without LDAP stays what it was.
 */
export function ldapConfig(cluster: Cluster): Pick<InstanceConfig, 'ldap'> {
  const given = cluster.spec.postgresql?.ldap;
  if (!given?.server || (!given.bindAsAuth && !given.bindSearchAuth)) return {};
  const ldap: LdapSpec = {
    server: given.server,
    ...(given.port !== undefined ? { port: given.port } : {}),
    ...(given.scheme !== undefined ? { scheme: given.scheme } : {}),
    ...(given.tls ? { tls: true } : {}),
  };
  if (given.bindAsAuth) ldap.bindAsAuth = { prefix: given.bindAsAuth.prefix ?? '', suffix: given.bindAsAuth.suffix ?? '' };
  else if (given.bindSearchAuth) {
    const s = given.bindSearchAuth;
    ldap.bindSearchAuth = {
      baseDN: s.baseDN ?? '',
      bindDN: s.bindDN ?? '',
      ...(s.searchAttribute ? { searchAttribute: s.searchAttribute } : {}),
      ...(s.searchFilter ? { searchFilter: s.searchFilter } : {}),
    };
  }
  return { ldap };
}

/**
 * The bind password, left out when none is named (the rule then has an empty one, as in
 * CloudNativePG). A Secret or key that is missing is an error naming the field, never a value.
 */
export async function ldapCredentials(store: ResourceStore, cluster: Cluster): Promise<Pick<ClusterCredentials, 'ldapBindPassword'>> {
  if (!ldapConfig(cluster).ldap?.bindSearchAuth) return {};
  const ref = cluster.spec.postgresql?.ldap?.bindSearchAuth?.bindPassword;
  const password = await readSecretKey(store, cluster.metadata.namespace ?? 'default', ref, 'spec.postgresql.ldap.bindSearchAuth.bindPassword');
  return password === undefined ? {} : { ldapBindPassword: password };
}
