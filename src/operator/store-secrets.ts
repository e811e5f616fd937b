// Reads an object store's credentials from the Secrets its barmanObjectStore names.
import type { BarmanObjectStore } from '../api/barman.js';
import type { StoreSecrets } from '../instance/spec.js';
import type { ResourceStore } from './platform.js';
import { readSecretKey } from './credentials-read.js';



export async function resolveStoreSecrets(store: ResourceStore, namespace: string, objectStore: Pick<BarmanObjectStore, 's3Credentials' | 'endpointCA'>, field: string): Promise<StoreSecrets> {
  const secrets: StoreSecrets = {};
  const s3 = objectStore.s3Credentials;
  if (s3 && !s3.inheritFromIAMRole) {
    const accessKeyId = await readSecretKey(store, namespace, s3.accessKeyId, `${field}.s3Credentials.accessKeyId`);
    const secretAccessKey = await readSecretKey(store, namespace, s3.secretAccessKey, `${field}.s3Credentials.secretAccessKey`);
    if (accessKeyId !== undefined && secretAccessKey !== undefined) {
      secrets.s3 = {
        accessKeyId,
        secretAccessKey,
        region: await readSecretKey(store, namespace, s3.region, `${field}.s3Credentials.region`),
        sessionToken: await readSecretKey(store, namespace, s3.sessionToken, `${field}.s3Credentials.sessionToken`),
      };
    }
  }
  secrets.endpointCA = await readSecretKey(store, namespace, objectStore.endpointCA, `${field}.endpointCA`);
  return secrets;
}
