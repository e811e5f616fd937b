// Test support: a ResourceStore holding only the Secrets given (name → decoded values).
import type { KubeObject } from '../api/meta.js';
import type { ResourceStore } from './platform.js';

export function secretStore(secrets: Record<string, Record<string, string>>): ResourceStore {
  const get = async (kind: string, _ns: string | undefined, name: string): Promise<KubeObject | undefined> => {
    const values = kind === 'Secret' ? secrets[name] : undefined;
    if (!values) return undefined;
    const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data } as KubeObject;
  };
  const unused = () => Promise.reject(new Error('not used'));
  return { get, list: unused, put: unused, updateStatus: unused, delete: unused, patchMetadata: unused };
}
