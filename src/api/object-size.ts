// The largest object the API stores, as etcd's default request limit bounds every object a
// Kubernetes API server keeps: 1.5 MiB, measured on its compact JSON.
import { msg } from './errors.js';

export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function serializedBytes(obj: unknown): number {
  return Buffer.byteLength(JSON.stringify(obj));
}

/** Undefined when the object fits; otherwise the message to refuse it with. */
export function objectTooLarge(obj: { kind: string; metadata: { name: string } }): string | undefined {
  const bytes = serializedBytes(obj);
  return bytes > MAX_OBJECT_BYTES ? msg.objectTooLarge(`${obj.kind}/${obj.metadata.name}`, bytes, MAX_OBJECT_BYTES) : undefined;
}
