// Gathers the passwords and TLS material an instance needs from the Secrets the cluster references or owns.
import { createHash, randomInt } from 'node:crypto';
import type { Cluster } from '../api/index.js';
import { secretNames } from '../api/names.js';
import type { ResourceStore } from './platform.js';
import type { ClusterCredentials } from './types.js';
import { readSecretValues } from './credentials-read.js';
import { resolveTls } from './certificate-secrets.js';
import { inheritedReplicationPassword } from './replica-cluster.js';
import { resolveStoreSecrets } from './store-secrets.js';
import { recoveryObjectStore, type BackupLocation } from './stores.js';
import { resolveExternalSecrets } from './external-clusters.js';
import { resolveRolePasswords } from './role-passwords.js';
import { ldapCredentials } from './ldap-config.js';
import { resolvePasswordPassthrough } from './password-passthrough.js';
import { decodeData } from './secrets.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 64 characters from a URI-safe alphabet, like CloudNativePG's generated passwords. */
export function generatePassword(length = 64): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export { readSecretValues };

export function credentialsHash(creds: ClusterCredentials): string {
  return createHash('sha256').update(JSON.stringify(creds)).digest('hex').slice(0, 16);
}

async function resolveStores(store: ResourceStore, cluster: Cluster, backup: BackupLocation | undefined): Promise<ClusterCredentials['stores']> {
  const ns = cluster.metadata.namespace ?? 'default';
  const stores: NonNullable<ClusterCredentials['stores']> = {};
  const archive = cluster.spec.backup?.barmanObjectStore;
  if (archive) stores.archive = await resolveStoreSecrets(store, ns, archive, 'spec.backup.barmanObjectStore');
  if (cluster.spec.bootstrap?.recovery) {
    const source = recoveryObjectStore(cluster, backup);
    if (!('error' in source)) stores.recovery = await resolveStoreSecrets(store, ns, source.store, 'bootstrap.recovery');
  }
  const replica = cluster.spec.replica && cluster.spec.externalClusters?.find((e) => e.name === cluster.spec.replica?.source)?.barmanObjectStore;
  if (replica) stores.replica = await resolveStoreSecrets(store, ns, replica, 'spec.replica.source');
  return Object.keys(stores).length > 0 ? stores : undefined;
}

export async function resolveCredentials(store: ResourceStore, cluster: Cluster, backup?: BackupLocation): Promise<ClusterCredentials> {
  const ns = cluster.metadata.namespace ?? 'default';
  const names = secretNames(cluster.metadata.name);
  const replication = await readSecretValues(store, ns, names.replication);
  if (!replication?.password) throw new Error(`secret ${names.replication} is missing its password`);
  const app = await readSecretValues(store, ns, names.app);
  const superuserName = cluster.spec.superuserSecret?.name ?? names.superuser;
  const superuserSecret = cluster.spec.enableSuperuserAccess ? await store.get('Secret', ns, superuserName) : undefined;
  const superuser = superuserSecret ? decodeData(superuserSecret) : undefined;
  const { rolePasswords, rolePasswordVersions, passthrough } = await resolveRolePasswords(store, cluster);
  const externalSources = await resolveExternalSecrets(store, cluster);
  const passwordPassthrough = await resolvePasswordPassthrough(store, cluster, { owner: app?.username, superuserSecret }, passthrough);
  return {
    replicationPassword: inheritedReplicationPassword(cluster, externalSources) ?? replication.password,
    app: app?.username && app.password !== undefined ? { username: app.username, password: app.password } : undefined,
    superuserPassword: superuser?.password,
    rolePasswords,
    // Left out when none, so the credentials hash of a cluster without role Secrets stays what it was.
    ...(Object.keys(rolePasswordVersions).length > 0 ? { rolePasswordVersions } : {}),
    stores: await resolveStores(store, cluster, backup),
    tls: await resolveTls(store, cluster),
    externalSources,
    // Left out when none, so the credentials hash of a cluster without an LDAP bind password stays what it was.
    ...(await ldapCredentials(store, cluster)),
    // Left out when no Secret asks for it, for the same reason.
    ...(passwordPassthrough ? { passwordPassthrough } : {}),
  };
}
