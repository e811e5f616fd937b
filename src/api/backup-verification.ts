// Restore drills of a Backup: cnpg-ts's own extension, not a CloudNativePG field. A drill is asked
// for with an annotation on the Backup (by `cnpg backup verify`, or by a ScheduledBackup with
// spec.verify) and its outcome is written to status.verification, beside CloudNativePG's fields.
import { z } from 'zod';
import { hasControlCharacter } from './control-characters.js';

/** On a Backup: a JSON VerificationRequest. A new requestedAt asks for a new drill. */
export const VERIFY_ANNOTATION = 'cnpg-ts.io/verifyRequest';

/** `[DATABASE/]SCHEMA.TABLE OP N`: a row count the restored data must satisfy. */
export interface RowCountCheck {
  database?: string;
  schema: string;
  table: string;
  op: RowCountOp;
  count: number;
}

export const ROW_COUNT_OPS = ['>=', '<=', '=', '>', '<'] as const;
export type RowCountOp = (typeof ROW_COUNT_OPS)[number];

export interface VerificationRequest {
  requestedAt: string;
  /** The checks as the user wrote them; each parses with parseRowCount. */
  counts?: string[];
}

export interface RowCountResult {
  check: string;
  rows: number;
  ok: boolean;
}

/** Backup .status.verification (ours; CloudNativePG's status fields are left as they are). */
export interface BackupVerification {
  phase: 'running' | 'passed' | 'failed';
  /** The request this outcome answers (VerificationRequest.requestedAt). */
  requestedAt: string;
  startedAt?: string;
  stoppedAt?: string;
  /** Where replay ended: the LSN the restored server promoted at, and its WAL segment. */
  recoveredToLSN?: string;
  recoveredToWal?: string;
  /** The newest WAL segment the archive held when the drill began. */
  archiveEndWal?: string;
  restoredWalFiles?: number;
  /** pg_amcheck's verdict; its last lines when it found something. */
  amcheck?: { ok: boolean; output?: string };
  rows?: RowCountResult[];
  error?: string;
}

// An unquoted SQL identifier, as a person types one; anything else is refused rather than quoted
// into a surprise.
const IDENT = '[A-Za-z_][A-Za-z0-9_$]{0,62}';
const COUNT_RE = new RegExp(`^(?:(${IDENT})/)?(${IDENT})\\.(${IDENT})\\s*(>=|<=|=|>|<)\\s*(\\d{1,15})$`);

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseRowCount(text: string): Parsed<RowCountCheck> {
  const trimmed = text.trim();
  const m = hasControlCharacter(trimmed) ? null : COUNT_RE.exec(trimmed);
  if (!m) {
    return {
      ok: false,
      message:
        `invalid row count ${JSON.stringify(text)}: write [DATABASE/]SCHEMA.TABLE OP N, e.g. "public.orders>=1000" or "app/public.orders=42" ` +
        `(OP one of ${ROW_COUNT_OPS.join(' ')}; names of letters, digits, _ and $; N a whole number)`,
    };
  }
  return { ok: true, value: { ...(m[1] ? { database: m[1] } : {}), schema: m[2]!, table: m[3]!, op: m[4] as RowCountOp, count: Number(m[5]) } };
}

export function describeRowCount(c: RowCountCheck): string {
  return `${c.database ? `${c.database}/` : ''}${c.schema}.${c.table}${c.op}${c.count}`;
}

export function rowCountHolds(op: RowCountOp, rows: number, wanted: number): boolean {
  switch (op) {
    case '>=':
      return rows >= wanted;
    case '<=':
      return rows <= wanted;
    case '=':
      return rows === wanted;
    case '>':
      return rows > wanted;
    case '<':
      return rows < wanted;
    default: {
      const never: never = op;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

const requestSchema = z.strictObject({
  requestedAt: z.string().datetime({ offset: true }),
  counts: z.array(z.string()).max(20).optional(),
});

/** The request an annotation value holds; a malformed one is reported, never run. */
export function parseVerificationRequest(value: string | undefined): Parsed<VerificationRequest> | undefined {
  if (value === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, message: `metadata.annotations[${VERIFY_ANNOTATION}] is not JSON: write {"requestedAt":"<RFC 3339 time>","counts":["schema.table>=N"]}` };
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, message: `metadata.annotations[${VERIFY_ANNOTATION}]: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}` };
  }
  for (const c of parsed.data.counts ?? []) {
    const count = parseRowCount(c);
    if (!count.ok) return { ok: false, message: `metadata.annotations[${VERIFY_ANNOTATION}].counts: ${count.message}` };
  }
  return { ok: true, value: parsed.data };
}

export function renderVerificationRequest(request: VerificationRequest): string {
  return JSON.stringify(request);
}
