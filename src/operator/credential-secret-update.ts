// What the operator writes over a credential Secret it keeps (X-app, X-superuser, X-replication).
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/meta.js';
import { decodeData } from './secrets.js';

export interface CredentialSecretUpdate {
  /** The Secret to store, or nothing when it already is as wanted. */
  write?: KubeObject;
  /** What someone changed that only the operator may (put back, and said in an Event). */
  drift?: string;
}

const holds = (have: Record<string, string> | undefined, want: Record<string, string> | undefined) => Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);

/**
 * `own` is the Secret as the operator makes it, `wanted` the same with the Cluster's
 * inheritedMetadata. Labels and annotations merge over what the Secret has: others' entries stay,
 * as on every object the Cluster owns, and an inherited entry that changed is no drift.
 */
export function credentialSecretUpdate(existing: KubeObject | undefined, own: KubeObject, wanted: KubeObject): CredentialSecretUpdate {
  if (!existing) return { write: wanted };
  const ownLabelsKept = holds(existing.metadata.labels, own.metadata.labels);
  const metadataKept = holds(existing.metadata.labels, wanted.metadata.labels) && holds(existing.metadata.annotations, wanted.metadata.annotations);
  if (isDeepStrictEqual(existing.data, wanted.data) && existing.type === wanted.type && metadataKept) return {};
  const before = decodeData(existing);
  const after = decodeData(wanted);
  const changed = ['username', 'dbname'].filter((k) => before[k] !== undefined && before[k] !== after[k]);
  if (!ownLabelsKept) changed.push('its labels');
  if (existing.type !== wanted.type) changed.push('its type');
  const labels = { ...existing.metadata.labels, ...wanted.metadata.labels };
  const annotations = { ...existing.metadata.annotations, ...wanted.metadata.annotations };
  const write = { ...wanted, metadata: { ...wanted.metadata, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
  return { write, drift: changed.length > 0 ? changed.join(', ') : undefined };
}
