// A handout the manager will not apply: every problem found, each with the field path it is at, so
// whoever wrote the handout (the operator, or a person editing the file) can find and fix it.
export interface HandoutIssue {
  /** Where in the handout, as `settings.pool_mode` or `hba[2]`. */
  path: string;
  message: string;
}

export class HandoutError extends Error {
  override readonly name = 'HandoutError';

  constructor(readonly issues: readonly HandoutIssue[]) {
    super(`the pooler handout is refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}
