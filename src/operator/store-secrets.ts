// Reads an object store's credentials from the Secrets its barmanObjectStore names.
import type { BarmanObjectStore } from '../api/barman.js';
import type { StoreSecrets } from '../instance/spec.js';
import type { AzureCredentials, GoogleCredentials } from '../objectstore/index.js';
import type { ResourceStore } from './platform.js';
import { readSecretKey } from './credentials-read.js';

type CredentialFields = Pick<BarmanObjectStore, 's3Credentials' | 'azureCredentials' | 'googleCredentials' | 'endpointCA'>;

export async function resolveStoreSecrets(store: ResourceStore, namespace: string, objectStore: CredentialFields, field: string): Promise<StoreSecrets> {
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
  const azure = objectStore.azureCredentials && (await azureSecrets(store, namespace, objectStore.azureCredentials, `${field}.azureCredentials`));
  if (azure) secrets.azure = azure;
  const google = objectStore.googleCredentials && (await googleSecrets(store, namespace, objectStore.googleCredentials, `${field}.googleCredentials`));
  if (google) secrets.google = google;
  secrets.endpointCA = await readSecretKey(store, namespace, objectStore.endpointCA, `${field}.endpointCA`);
  return secrets;
}

// The API admits exactly one method (barman.ts); an optional key that finds nothing gives none.
async function azureSecrets(store: ResourceStore, namespace: string, azure: NonNullable<BarmanObjectStore['azureCredentials']>, field: string): Promise<AzureCredentials | undefined> {
  if (azure.inheritFromAzureAD || azure.useDefaultAzureCredentials) return { inheritIdentity: true };
  if (azure.connectionString) {
    const connectionString = await readSecretKey(store, namespace, azure.connectionString, `${field}.connectionString`);
    return connectionString === undefined ? undefined : { connectionString };
  }
  const storageAccount = await readSecretKey(store, namespace, azure.storageAccount, `${field}.storageAccount`);
  if (storageAccount === undefined) return undefined;
  const storageKey = await readSecretKey(store, namespace, azure.storageKey, `${field}.storageKey`);
  if (storageKey !== undefined) return { storageAccount, storageKey };
  const storageSasToken = await readSecretKey(store, namespace, azure.storageSasToken, `${field}.storageSasToken`);
  return storageSasToken === undefined ? undefined : { storageAccount, storageSasToken };
}

async function googleSecrets(store: ResourceStore, namespace: string, google: NonNullable<BarmanObjectStore['googleCredentials']>, field: string): Promise<GoogleCredentials | undefined> {
  if (google.gkeEnvironment) return { gkeEnvironment: true };
  const applicationCredentials = await readSecretKey(store, namespace, google.applicationCredentials, `${field}.applicationCredentials`);
  return applicationCredentials === undefined ? undefined : { applicationCredentials };
}
