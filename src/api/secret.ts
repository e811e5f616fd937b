// core/v1 Secret. As on a Kubernetes API server, stringData is write-only: it is merged into
// data (base64) on apply, so consumers read one map.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { base64Data, textData } from './data-keys.js';

// Keys Kubernetes requires for the typed secrets the operator reads.
const REQUIRED_ALL: Record<string, readonly string[]> = { 'kubernetes.io/tls': ['tls.crt', 'tls.key'] };
const REQUIRED_ONE: Record<string, readonly string[]> = { 'kubernetes.io/basic-auth': ['username', 'password'] };

export const secretSchema = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: namespacedMetadata(),
    data: base64Data.optional(),
    stringData: textData.optional(),
    type: z.string().min(1).default('Opaque'),
    immutable: z.boolean().optional(),
  })
  .superRefine((secret, ctx) => {
    const keys = [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})];
    const all = REQUIRED_ALL[secret.type];
    if (all && !all.every((key) => keys.includes(key))) report(ctx, ['data'], msg.secretTypeNeedsKeys(secret.type, all));
    const one = REQUIRED_ONE[secret.type];
    if (one && !one.some((key) => keys.includes(key))) report(ctx, ['data'], msg.secretTypeNeedsOneKey(secret.type, one));
  })
  .transform(({ stringData, ...secret }) => {
    if (!stringData) return secret;
    const encoded = Object.fromEntries(
      Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
    );
    return { ...secret, data: { ...secret.data, ...encoded } };
  });

export type Secret = z.infer<typeof secretSchema>;
