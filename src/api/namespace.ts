// core/v1 Namespace (cluster-scoped).
import { z } from 'zod';
import { clusterScopedMetadata, labelName } from './meta-schema.js';
import { passthrough } from './common.js';

export const namespaceSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: clusterScopedMetadata(labelName),
  spec: passthrough.optional(),
});

export type Namespace = z.infer<typeof namespaceSchema>;
