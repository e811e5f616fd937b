// A handout as it arrives (a file's text, a Secret's value) checked for shape before anything is
// rendered from it: the manager trusts no field it did not check.
import { z } from 'zod';
import type { PoolerHandout } from './handout.js';
import { HandoutError } from './handout-error.js';

const pem = z.string();
const pair = z.strictObject({ cert: pem, key: pem });

const handoutSchema = z.strictObject({
  settings: z.record(z.string(), z.string()),
  target: z.strictObject({ host: z.string(), port: z.int() }),
  hba: z.array(z.string()),
  users: z.array(z.strictObject({ name: z.string(), password: z.string() })),
  serverTLS: z.strictObject({ ca: pem, client: pair.optional() }),
  clientTLS: z.strictObject({ server: pair, ca: pem.optional() }).optional(),
  paused: z.boolean(),
}) satisfies z.ZodType<PoolerHandout>;

/** The handout in `text` (JSON), or a HandoutError naming each field that is wrong. */
export function parseHandout(text: string): PoolerHandout {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HandoutError([{ path: '(document)', message: `is not JSON: ${(e as Error).message}` }]);
  }
  const parsed = handoutSchema.safeParse(json);
  if (!parsed.success) {
    throw new HandoutError(parsed.error.issues.map((i) => ({ path: i.path.length ? i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('') : '(document)', message: i.message })));
  }
  return parsed.data;
}
