// Kubernetes ResourceRequirements with quantity validation.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { passthroughList } from './common.js';
import { parseQuantity, quantitySchema } from './quantity.js';

const quantities = z.record(z.string(), quantitySchema);

export const resourceRequirementsSchema = z
  .strictObject({
    requests: quantities.optional(),
    limits: quantities.optional(),
    claims: passthroughList.optional(),
  })
  .superRefine((resources, ctx) => {
    for (const [resource, request] of Object.entries(resources.requests ?? {})) {
      const limit = resources.limits?.[resource];
      if (limit === undefined) continue;
      const requested = parseQuantity(request);
      const limited = parseQuantity(limit);
      if (requested !== undefined && limited !== undefined && requested > limited) {
        report(ctx, ['requests', resource], msg.requestAboveLimit(resource, request, limit));
      }
    }
  });
