// The `cnpg.io/hibernation` annotation takes `on` or `off`, as CloudNativePG's webhook requires:
// any other value would neither hibernate nor say why.
import type { Finding } from './errors.js';
import { ANNOTATIONS } from './names.js';

export const HIBERNATION_VALUES = ['on', 'off'] as const;

export function hibernationFindings(kind: string, input: unknown): Finding[] {
  if (kind !== 'Cluster') return [];
  const value = (input as { metadata?: { annotations?: Record<string, unknown> } } | null)?.metadata?.annotations?.[ANNOTATIONS.hibernation];
  if (value === undefined || value === null || (HIBERNATION_VALUES as readonly unknown[]).includes(value)) return [];
  return [{ path: `metadata.annotations[${ANNOTATIONS.hibernation}]`, message: `must be "on" or "off" (got ${JSON.stringify(value)})`, allowed: HIBERNATION_VALUES }];
}
