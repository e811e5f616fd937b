// core/v1 ConfigMap.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { base64Data, textData } from './data-keys.js';

export const configMapSchema = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('ConfigMap'),
    metadata: namespacedMetadata(),
    data: textData.optional(),
    binaryData: base64Data.optional(),
    immutable: z.boolean().optional(),
  })
  .superRefine((configMap, ctx) => {
    for (const key of Object.keys(configMap.binaryData ?? {})) {
      if (configMap.data && key in configMap.data) report(ctx, ['binaryData', key], msg.keyInDataAndBinaryData(key));
    }
  });

export type ConfigMap = z.infer<typeof configMapSchema>;
