// Small building blocks shared by several kinds.
import { z } from 'zod';
import { hasControlCharacter } from './control-characters.js';
import { msg, report } from './errors.js';

export { hasControlCharacter };

export const nonEmptyString = z.string().min(1);

/**
 * A name or value that ends up in a configuration file, a command argument or SQL: a newline
 * or other control character there could only start something other than what was written.
 */
export const plainString = z.string().superRefine((text, ctx) => {
  if (hasControlCharacter(text)) report(ctx, [], msg.controlCharacter(text));
});
export const plainName = plainString.min(1);

/** map[string]string: a YAML number as value is rejected with a hint to quote it. */
export const stringMap = z.record(z.string(), z.string());

export const localObjectReference = z.strictObject({ name: nonEmptyString });

export const secretKeySelector = z.strictObject({
  name: nonEmptyString,
  key: nonEmptyString,
  optional: z.boolean().optional(),
});

export const configMapKeySelector = secretKeySelector;

/**
 * Kubernetes-native nested types (affinity terms, probes, pod templates, PVC specs…) that the
 * platform hands to Kubernetes unchanged; Kubernetes validates them, we only require a mapping.
 */
export const passthrough = z.record(z.string(), z.unknown());
export const passthroughList = z.array(passthrough);

/** A delay or timeout in seconds. */
export function seconds(defaultValue: number) {
  return z.int().min(0).default(defaultValue);
}

export const pluginConfiguration = z.strictObject({
  name: nonEmptyString,
  parameters: stringMap.optional(),
});

export const backupTarget = z.enum(['primary', 'prefer-standby']);
export const backupMethod = z.enum(['barmanObjectStore', 'volumeSnapshot', 'plugin']);

export const onlineConfiguration = z.strictObject({
  waitForArchive: z.boolean().default(true),
  immediateCheckpoint: z.boolean().default(false),
});

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Index of the first earlier element with the same key, for "duplicate" messages. */
export function findDuplicates<T>(items: readonly T[], key: (item: T) => unknown): { index: number; first: number }[] {
  const seen = new Map<unknown, number>();
  const duplicates: { index: number; first: number }[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else duplicates.push({ index, first });
  });
  return duplicates;
}
