// A status computed from an object read a moment ago, written over one that may have changed since:
// CloudNativePG's kubectl plugin writes status.targetPrimary itself, between the operator's read
// and its write. Replacing the whole status would undo that write, and the operator, reconciling
// again at once, would never see it. Rebased, the write carries only the fields the reconcile
// changed; every other field keeps what is stored now.
import { isDeepStrictEqual } from 'node:util';

type Status = Record<string, unknown>;

const fields = (s: unknown): Status => (s !== null && typeof s === 'object' ? (s as Status) : {});

/** `ours` was computed from `base`; `current` is what is stored now. Top-level fields. */
export function rebaseStatus(base: unknown, ours: unknown, current: unknown): Status {
  const [b, o, c] = [fields(base), fields(ours), fields(current)];
  const result: Status = {};
  for (const key of new Set([...Object.keys(c), ...Object.keys(o), ...Object.keys(b)])) {
    const changed = !isDeepStrictEqual(o[key], b[key]);
    const value = changed ? o[key] : c[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}
