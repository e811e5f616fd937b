// ImageCatalog (namespaced) and ClusterImageCatalog (cluster-wide): which image runs each
// PostgreSQL major version, for Clusters that use spec.imageCatalogRef.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg, report } from './errors.js';
import { clusterScopedMetadata, namespacedMetadata } from './meta-schema.js';
import { findDuplicates, nonEmptyString } from './common.js';
import { extensionsSchema } from './cluster-extensions.js';

const catalogSpecSchema = z
  .strictObject({
    images: z
      .array(z.strictObject({ image: nonEmptyString, major: z.int().min(10), extensions: extensionsSchema.optional() }))
      .min(1)
      .max(8),
    componentImages: z
      .array(z.strictObject({ key: nonEmptyString, image: nonEmptyString }))
      .max(32)
      .optional(),
  })
  .superRefine((spec, ctx) => {
    for (const { index, first } of findDuplicates(spec.images, (entry) => entry.major)) {
      report(ctx, ['images', index, 'major'], msg.duplicate('major', spec.images[index]?.major, first));
    }
    const components = spec.componentImages ?? [];
    for (const { index, first } of findDuplicates(components, (entry) => entry.key)) {
      report(ctx, ['componentImages', index, 'key'], msg.duplicate('key', components[index]?.key, first));
    }
  });

export const imageCatalogSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('ImageCatalog'),
  metadata: namespacedMetadata(),
  spec: catalogSpecSchema,
});

export const clusterImageCatalogSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('ClusterImageCatalog'),
  metadata: clusterScopedMetadata(),
  spec: catalogSpecSchema,
});

export type ImageCatalog = z.infer<typeof imageCatalogSchema>;
export type ClusterImageCatalog = z.infer<typeof clusterImageCatalogSchema>;
