// spec.monitoring: the metrics exporter of each instance.
import { z } from 'zod';
import { nonEmptyString, passthroughList } from './common.js';
import { report } from './errors.js';
import { goDurationSeconds } from './go-duration.js';

const queriesReference = z.strictObject({ name: nonEmptyString, key: nonEmptyString });

export const monitoringSchema = z.strictObject({
  disableDefaultQueries: z.boolean().default(false),
  customQueriesConfigMap: z.array(queriesReference).optional(),
  customQueriesSecret: z.array(queriesReference).optional(),
  enablePodMonitor: z.boolean().default(false),
  podMonitorMetricRelabelings: passthroughList.optional(),
  podMonitorRelabelings: passthroughList.optional(),
  tls: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
  metricsQueriesTTL: nonEmptyString
    .superRefine((ttl, ctx) => {
      if (goDurationSeconds(ttl) === undefined) report(ctx, [], `must be a duration such as 30s, 1m or 0 (0 disables the cache), got ${JSON.stringify(ttl)}`);
    })
    .optional(),
});
