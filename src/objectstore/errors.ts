// The one error type of the object store: `kind` lets callers decide (retry, report, give up);
// the message says what failed and where, never credentials.

export type ObjectStoreErrorKind = 'not-found' | 'access-denied' | 'unreachable' | 'invalid' | 'other';

export class ObjectStoreError extends Error {
  readonly kind: ObjectStoreErrorKind;

  constructor(kind: ObjectStoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObjectStoreError';
    this.kind = kind;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ObjectStoreError && err.kind === 'not-found';
}
