// Reading a Secret's decoded values, shared by the credential, store-secret and external-cluster resolvers.
import type { ResourceStore } from './platform.js';
import { decodeData } from './secrets.js';

export async function readSecretValues(store: ResourceStore, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const s = await store.get('Secret', namespace, name);
  return s ? decodeData(s) : undefined;
}

/** A Secret key a manifest field names; `field` is that field's path, for the error a missing one gives. */
export interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean | undefined;
}

/** The value at `ref`; undefined when there is no ref, or an optional one finds nothing. */
export async function readSecretKey(store: ResourceStore, namespace: string, ref: SecretKeyRef | undefined, field: string): Promise<string | undefined> {
  if (!ref) return undefined;
  const values = await readSecretValues(store, namespace, ref.name);
  const value = values?.[ref.key];
  if (value === undefined && !ref.optional) {
    throw new Error(`${field}: secret ${ref.name} ${values ? `has no key "${ref.key}"` : 'does not exist'}`);
  }
  return value;
}
