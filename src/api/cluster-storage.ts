// Volumes of a Cluster: data, WAL, tablespaces and ephemeral space.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { localObjectReference, nonEmptyString, passthrough } from './common.js';
import { positiveQuantitySchema, quantitySchema } from './quantity.js';

export const storageSchema = z
  .strictObject({
    storageClass: nonEmptyString.optional(),
    size: positiveQuantitySchema.optional(),
    resizeInUseVolumes: z.boolean().default(true),
    pvcTemplate: passthrough.optional(),
  })
  .superRefine((storage, ctx) => {
    if (storage.size === undefined && storage.pvcTemplate === undefined) report(ctx, ['size'], msg.storageSizeRequired());
  });

export const tablespaceSchema = z.strictObject({
  name: nonEmptyString,
  storage: storageSchema,
  owner: localObjectReference.optional(),
  temporary: z.boolean().default(false),
});

export const ephemeralVolumesSizeLimitSchema = z.strictObject({
  shm: quantitySchema.optional(),
  temporaryData: quantitySchema.optional(),
});
