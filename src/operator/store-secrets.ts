// Reads an object store's credentials from the Secrets its barmanObjectStore names.
import type { BarmanObjectStore } from '../api/barman.js';
import type { StoreSecrets } from '../instance/spec.js';
import type { ResourceStore } from './platform.js';
import { readSecretValues } from './credentials-read.js';

type KeyRef = { name: string; key: string; optional?: boolean } | undefined;

async function secretKey(store: ResourceStore, namespace: string, ref: KeyRef, field: string): Promise<string | undefined> {
  if (!ref) return undefined;
  const values = await readSecretValues(store, namespace, ref.name);
  const value = values?.[ref.key];
  if (value === undefined && !ref.optional) {
    throw new Error(`${field}: secret ${ref.name} ${values ? `has no key "${ref.key}"` : 'does not exist'}`);
  }
  return value;
}

export async function resolveStoreSecrets(store: ResourceStore, namespace: string, objectStore: Pick<BarmanObjectStore, 's3Credentials' | 'endpointCA'>, field: string): Promise<StoreSecrets> {
  const secrets: StoreSecrets = {};
  const s3 = objectStore.s3Credentials;
  if (s3 && !s3.inheritFromIAMRole) {
    const accessKeyId = await secretKey(store, namespace, s3.accessKeyId, `${field}.s3Credentials.accessKeyId`);
    const secretAccessKey = await secretKey(store, namespace, s3.secretAccessKey, `${field}.s3Credentials.secretAccessKey`);
    if (accessKeyId !== undefined && secretAccessKey !== undefined) {
      secrets.s3 = {
        accessKeyId,
        secretAccessKey,
        region: await secretKey(store, namespace, s3.region, `${field}.s3Credentials.region`),
        sessionToken: await secretKey(store, namespace, s3.sessionToken, `${field}.s3Credentials.sessionToken`),
      };
    }
  }
  secrets.endpointCA = await secretKey(store, namespace, objectStore.endpointCA, `${field}.endpointCA`);
  return secrets;
}
