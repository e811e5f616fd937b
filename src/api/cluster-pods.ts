// How instance pods are placed and probed. These are Kubernetes scheduling concepts; the local
// platform accepts them for compatibility.
import { z } from 'zod';
import { nonEmptyString, passthrough, passthroughList, stringMap } from './common.js';

export const affinitySchema = z.strictObject({
  enablePodAntiAffinity: z.boolean().default(true),
  topologyKey: nonEmptyString.default('kubernetes.io/hostname'),
  podAntiAffinityType: z.enum(['preferred', 'required']).default('preferred'),
  nodeSelector: stringMap.optional(),
  nodeAffinity: passthrough.optional(),
  tolerations: passthroughList.optional(),
  additionalPodAntiAffinity: passthrough.optional(),
  additionalPodAffinity: passthrough.optional(),
});

export const probesSchema = z.strictObject({
  startup: passthrough.optional(),
  liveness: passthrough.optional(),
  readiness: passthrough.optional(),
});
