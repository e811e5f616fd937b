// ScheduledBackup (postgresql.cnpg.io/v1): creates Backups of a Cluster on a cron schedule.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg, report, type Finding } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { localObjectReference } from './common.js';
import { backupMethodFields, checkBackupMethod } from './backup.js';
import { normaliseSchedule } from './cron.js';

const scheduleSchema = z.string().transform((schedule, ctx) => {
  const result = normaliseSchedule(schedule);
  if (result.ok) return result.schedule;
  report(ctx, [], result.message);
  return z.NEVER;
});

export const scheduledBackupSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('ScheduledBackup'),
  metadata: namespacedMetadata(),
  spec: z
    .strictObject({
      schedule: scheduleSchema,
      immediate: z.boolean().default(false),
      suspend: z.boolean().default(false),
      backupOwnerReference: z.enum(['none', 'self', 'cluster']).default('none'),
      cluster: localObjectReference,
      ...backupMethodFields,
      // cnpg-ts's own, not CloudNativePG's: each Backup made is restore-drilled once it completes
      // (api/backup-verification.ts). CloudNativePG's CRD has no such field; leave it out there.
      verify: z.boolean().optional(),
    })
    .superRefine(checkBackupMethod),
});

export type ScheduledBackup = z.infer<typeof scheduledBackupSchema>;

/** Tells the user when a five-field schedule was read as six fields. */
export function scheduledBackupNotes(input: { spec?: { schedule?: unknown } }): Finding[] {
  const schedule = input.spec?.schedule;
  if (typeof schedule !== 'string') return [];
  const result = normaliseSchedule(schedule);
  return result.ok && result.normalisedFrom !== undefined
    ? [{ path: 'spec.schedule', message: msg.cronNormalised(result.normalisedFrom, result.schedule) }]
    : [];
}
