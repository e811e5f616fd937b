// metadata for every kind: name rules, namespace defaulting, label syntax.
import { z } from 'zod';
import { DEFAULT_NAMESPACE, type ObjectMeta } from './meta.js';
import { msg, report } from './errors.js';
import { nonEmptyString, stringMap } from './common.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export type NameRule = (name: string) => string | undefined;

export const subdomainName: NameRule = (name) => {
  if (name.length > 253) return msg.maxLength(253, name);
  return SUBDOMAIN.test(name) ? undefined : msg.invalidSubdomain(name);
};

export const labelName: NameRule = (name) => {
  if (name.length > 63) return msg.maxLength(63, name);
  return LABEL.test(name) ? undefined : msg.invalidLabel(name);
};

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && SUBDOMAIN.test(prefix));
  return prefixOk && name.length <= 63 && LABEL_NAME.test(name) ? undefined : msg.invalidLabelKey(key);
}

/** A label's key, as a field naming one (e.g. a node label to compare). */
export const labelKey = z.string().superRefine((key, ctx) => {
  const problem = labelKeyProblem(key);
  if (problem) report(ctx, [], problem);
});

const labels = stringMap.superRefine((map, ctx) => {
  for (const [key, value] of Object.entries(map)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) report(ctx, [key], keyProblem);
    else if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) report(ctx, [key], msg.invalidLabelValue(value));
  }
});

const ownerReference = z.strictObject({
  apiVersion: nonEmptyString,
  kind: nonEmptyString,
  name: nonEmptyString,
  uid: nonEmptyString,
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

// Server-populated fields are accepted so that `get -o yaml` output can be re-applied.
const commonFields = {
  name: z.string(),
  labels: labels.optional(),
  annotations: stringMap.optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: z.array(z.string()).optional(),
  generateName: z.string().optional(),
  managedFields: z.array(z.unknown()).optional(),
  deletionGracePeriodSeconds: z.int().optional(),
  selfLink: z.string().optional(),
};

function checkName(rule: NameRule) {
  return (meta: { name: string }, ctx: z.RefinementCtx) => {
    const problem = meta.name === '' ? msg.required() : rule(meta.name);
    if (problem) report(ctx, ['name'], problem);
  };
}

export function namespacedMetadata(rule: NameRule = subdomainName) {
  return z
    .strictObject({ ...commonFields, namespace: z.string().default(DEFAULT_NAMESPACE) })
    .superRefine(checkName(rule))
    .superRefine((meta, ctx) => {
      const problem = labelName(meta.namespace);
      if (problem) report(ctx, ['namespace'], problem);
    });
}

export function clusterScopedMetadata(rule: NameRule = subdomainName) {
  return z.strictObject(commonFields).superRefine(checkName(rule));
}

// Compile-time proof that parsed metadata is an ObjectMeta.
type Assignable<T extends ObjectMeta> = T;
export type NamespacedMetadata = Assignable<z.infer<ReturnType<typeof namespacedMetadata>>>;
export type ClusterScopedMetadata = Assignable<z.infer<ReturnType<typeof clusterScopedMetadata>>>;
