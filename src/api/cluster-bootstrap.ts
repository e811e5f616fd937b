// spec.bootstrap: how the first instance gets its data (initdb, recovery or pg_basebackup).
import { z } from 'zod';
import { msg, report } from './errors.js';
import { initdbLocationOption } from './initdb-options.js';
import { pgDumpOwnedOption, pgRestoreOwnedOption } from './dump-options.js';
import {
  configMapKeySelector,
  isPowerOfTwo,
  localObjectReference,
  nonEmptyString,
  plainName,
  plainString,
  secretKeySelector,
} from './common.js';

import { volumeSnapshotsSchema } from './volume-snapshots.js';

const DEFAULT_DATABASE = 'app';

const sqlRefs = z.strictObject({
  secretRefs: z.array(secretKeySelector).optional(),
  configMapRefs: z.array(configMapKeySelector).optional(),
});

const importSchema = z
  .strictObject({
    source: z.strictObject({ externalCluster: nonEmptyString }),
    type: z.enum(['microservice', 'monolith']),
    databases: z.array(plainName).min(1),
    roles: z.array(plainName).optional(),
    postImportApplicationSQL: z.array(z.string()).optional(),
    schemaOnly: z.boolean().optional(),
    // Each one argument of pg_dump or pg_restore, passed as is (never through a shell).
    pgDumpExtraOptions: z.array(plainName).optional(),
    pgRestoreExtraOptions: z.array(plainName).optional(),
    pgRestorePredataOptions: z.array(plainName).optional(),
    pgRestoreDataOptions: z.array(plainName).optional(),
    pgRestorePostdataOptions: z.array(plainName).optional(),
  })
  .superRefine((spec, ctx) => {
    spec.pgDumpExtraOptions?.forEach((option, i) => {
      const owned = pgDumpOwnedOption(option);
      if (owned) report(ctx, ['pgDumpExtraOptions', i], msg.importOwnedOption(owned, 'pg_dump'));
    });
    for (const field of ['pgRestoreExtraOptions', 'pgRestorePredataOptions', 'pgRestoreDataOptions', 'pgRestorePostdataOptions'] as const) {
      spec[field]?.forEach((option, i) => {
        const owned = pgRestoreOwnedOption(option);
        if (owned) report(ctx, [field, i], msg.importOwnedOption(owned, 'pg_restore'));
      });
    }
    if (spec.type === 'microservice') {
      if (spec.databases.length !== 1) report(ctx, ['databases'], msg.importDatabases());
      else if (spec.databases[0] === '*') report(ctx, ['databases', 0], msg.importMonolithOnly("'*'"));
      if (spec.roles) report(ctx, ['roles'], msg.importMonolithOnly('roles'));
    } else if (spec.postImportApplicationSQL) {
      report(ctx, ['postImportApplicationSQL'], msg.importMicroserviceOnly('postImportApplicationSQL'));
    }
  });

const initdbSchema = z
  .strictObject({
    database: plainName.default(DEFAULT_DATABASE),
    owner: plainName.optional(),
    secret: localObjectReference.optional(),
    options: z.array(plainString).optional(),
    dataChecksums: z.boolean().default(false),
    encoding: plainName.default('UTF8'),
    // CloudNativePG's defaults, set whether or not `locale` is: initdb's --lc-collate and
    // --lc-ctype win over --locale, so `locale` alone sets the other categories (messages,
    // monetary, numeric, time) and the database still sorts and classifies as C.
    localeCollate: plainName.default('C'),
    localeCType: plainName.default('C'),
    locale: plainName.optional(),
    localeProvider: z.enum(['libc', 'icu', 'builtin']).optional(),
    icuLocale: plainName.optional(),
    icuRules: plainName.optional(),
    builtinLocale: plainName.optional(),
    walSegmentSize: z.int().optional(),
    postInitSQL: z.array(z.string()).optional(),
    postInitApplicationSQL: z.array(z.string()).optional(),
    postInitTemplateSQL: z.array(z.string()).optional(),
    postInitSQLRefs: sqlRefs.optional(),
    postInitApplicationSQLRefs: sqlRefs.optional(),
    postInitTemplateSQLRefs: sqlRefs.optional(),
    import: importSchema.optional(),
  })
  .superRefine((initdb, ctx) => {
    initdb.options?.forEach((option, i) => {
      const location = initdbLocationOption(option);
      if (location) report(ctx, ['options', i], msg.initdbLocationOption(location));
    });
    const size = initdb.walSegmentSize;
    if (size !== undefined && (size < 1 || size > 1024 || !isPowerOfTwo(size))) {
      report(ctx, ['walSegmentSize'], msg.powerOfTwo(1, 1024, size));
    }
    for (const field of ['icuLocale', 'icuRules'] as const) {
      if (initdb[field] && initdb.localeProvider !== 'icu') report(ctx, [field], msg.localeProviderRequired('icu'));
    }
    if (initdb.builtinLocale && initdb.localeProvider !== 'builtin') {
      report(ctx, ['builtinLocale'], msg.localeProviderRequired('builtin'));
    }
  })
  .transform((initdb) => ({
    ...initdb,
    owner: initdb.owner ?? initdb.database,
  }));

const recoveryTargetSchema = z
  .strictObject({
    backupID: nonEmptyString.optional(),
    targetTLI: nonEmptyString.optional(),
    targetXID: nonEmptyString.optional(),
    targetName: nonEmptyString.optional(),
    targetLSN: nonEmptyString.optional(),
    targetTime: nonEmptyString.optional(),
    targetImmediate: z.boolean().optional(),
    exclusive: z.boolean().default(false),
  })
  .superRefine((target, ctx) => {
    // backupID picks the base backup and targetTLI the timeline; both combine with one target.
    const exclusive = ['targetXID', 'targetName', 'targetLSN', 'targetTime', 'targetImmediate'] as const;
    const set = exclusive.filter((field) => target[field] !== undefined && target[field] !== false);
    if (set.length > 1) report(ctx, [], msg.recoveryTargets(set));
    for (const finding of targetValueProblems(target)) report(ctx, [finding.field], finding.message);
  });

// Blanks only between time and zone: \s would let a newline into recovery_target_time.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)? *(Z|[+-]\d{2}(:?\d{2})?)?$/;

function targetValueProblems(target: z.infer<typeof recoveryTargetSchema>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const { targetTLI, targetXID, targetLSN, targetTime, targetName } = target;
  if (targetTLI !== undefined && targetTLI !== 'latest' && !/^[1-9]\d*$/.test(targetTLI)) {
    problems.push({ field: 'targetTLI', message: msg.targetTLI(targetTLI) });
  }
  if (targetXID !== undefined && !(/^\d+$/.test(targetXID) && Number(targetXID) >= 1 && Number(targetXID) <= 0xffffffff)) {
    problems.push({ field: 'targetXID', message: msg.targetXID(targetXID) });
  }
  if (targetLSN !== undefined && !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(targetLSN)) {
    problems.push({ field: 'targetLSN', message: msg.targetLSN(targetLSN) });
  }
  if (targetTime !== undefined && (!TIMESTAMP.test(targetTime) || Number.isNaN(Date.parse(targetTime.slice(0, 10))))) {
    problems.push({ field: 'targetTime', message: msg.targetTime(targetTime) });
  }
  // eslint-disable-next-line no-control-regex
  if (targetName !== undefined && (Buffer.byteLength(targetName) >= 64 || /[\u0000-\u001f\u007f]/.test(targetName))) {
    problems.push({ field: 'targetName', message: msg.targetName() });
  }
  return problems;
}

const withApplicationDatabase = <T extends { database: string; owner?: string | undefined }>(spec: T) => ({
  ...spec,
  owner: spec.owner ?? spec.database,
});

const recoverySchema = z
  .strictObject({
    backup: z.strictObject({ name: nonEmptyString, endpointCA: secretKeySelector.optional() }).optional(),
    source: nonEmptyString.optional(),
    volumeSnapshots: volumeSnapshotsSchema.optional(),
    recoveryTarget: recoveryTargetSchema.optional(),
    database: plainName.default(DEFAULT_DATABASE),
    owner: plainName.optional(),
    secret: localObjectReference.optional(),
  })
  .superRefine((recovery, ctx) => {
    if (!recovery.backup && !recovery.source && !recovery.volumeSnapshots) report(ctx, [], msg.recoverySourceMissing());
    const target = recovery.recoveryTarget;
    // A named Backup fixes the base backup; otherwise these targets need backupID to pick one.
    for (const field of ['targetXID', 'targetName', 'targetImmediate'] as const) {
      if (target?.[field] !== undefined && target[field] !== false && target.backupID === undefined && !recovery.backup) {
        report(ctx, ['recoveryTarget', field], msg.targetNeedsBackupID(field));
      }
    }
  })
  .transform(withApplicationDatabase);

const pgBasebackupSchema = z
  .strictObject({
    source: nonEmptyString,
    database: plainName.default(DEFAULT_DATABASE),
    owner: plainName.optional(),
    secret: localObjectReference.optional(),
  })
  .transform(withApplicationDatabase);

const METHODS = ['initdb', 'recovery', 'pg_basebackup'] as const;
const DEFAULT_INITDB = initdbSchema.parse({});

export const bootstrapSchema = z
  .strictObject({
    initdb: initdbSchema.optional(),
    recovery: recoverySchema.optional(),
    pg_basebackup: pgBasebackupSchema.optional(),
  })
  .superRefine((bootstrap, ctx) => {
    const set = METHODS.filter((method) => bootstrap[method] !== undefined);
    if (set.length > 1) report(ctx, [], msg.oneBootstrapMethod(set));
  })
  .transform((bootstrap) =>
    METHODS.some((method) => bootstrap[method] !== undefined) ? bootstrap : { ...bootstrap, initdb: DEFAULT_INITDB },
  );
