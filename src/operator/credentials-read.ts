// Reading a Secret's decoded values, shared by the credential and store-secret resolvers.
import type { ResourceStore } from './platform.js';
import { decodeData } from './secrets.js';

export async function readSecretValues(store: ResourceStore, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const s = await store.get('Secret', namespace, name);
  return s ? decodeData(s) : undefined;
}
