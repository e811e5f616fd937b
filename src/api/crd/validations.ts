// CEL rules (x-kubernetes-validations) for what a structural schema cannot say. Only cheap rules
// live here: immutability, which needs the old object and so cannot be checked by our webhook
// from a manifest alone, and small mutual exclusions on fields outside any list, whose cost does
// not grow with the object. Everything else (name lengths, quantities, cron syntax, GUC rules,
// cross references between fields) stays in the webhook, which reports field paths and hints.
import type { KnownKind } from '../kinds.js';
import type { Schema } from './structural.js';
import { LOGICAL_REPLICATION_CEL_RULES } from './logical-replication.js';
import { DATABASE_CEL_RULES } from './database-rules.js';

export interface CelRule {
  kind: KnownKind;
  /** Property names from the root of the resource. */
  path: readonly string[];
  rule: string;
  message: string;
  /** Where the API server says the problem is, below `path` (e.g. `.serverName`). */
  fieldPath?: string;
}

const atMostOne = (fields: readonly string[]) => `[${fields.join(', ')}].filter(x, x).size() <= 1`;
const exclusive = (a: string, b: string) => `!(has(self.${a}) && has(self.${b}))`;
const needsProvider = (field: string, provider: string) =>
  `(!has(self.${field}) || (has(self.localeProvider) && self.localeProvider == '${provider}'))`;

export const CEL_RULES: readonly CelRule[] = [
  { kind: 'Backup', path: ['spec'], rule: 'oldSelf == self', message: 'BackupSpec is immutable' },
  { kind: 'ScheduledBackup', path: ['spec', 'cluster'], rule: 'self == oldSelf', message: 'cluster is immutable' },
  { kind: 'Pooler', path: ['spec', 'cluster'], rule: 'self == oldSelf', message: 'cluster is immutable' },
  // As the plugin's own CRD: the server folder is each Cluster's plugin parameter.
  { kind: 'ObjectStore', path: ['spec', 'configuration'], rule: '!has(self.serverName)', fieldPath: '.serverName', message: "use the 'serverName' plugin parameter in the Cluster resource" },
  ...LOGICAL_REPLICATION_CEL_RULES,
  {
    kind: 'Cluster',
    path: ['spec'],
    rule: exclusive('imageName', 'imageCatalogRef'),
    message: 'imageName and imageCatalogRef are mutually exclusive',
  },
  {
    kind: 'Cluster',
    path: ['spec'],
    rule: exclusive('serviceAccountName', 'serviceAccountTemplate'),
    message: 'serviceAccountName and serviceAccountTemplate are mutually exclusive',
  },
  {
    kind: 'Cluster',
    path: ['spec', 'bootstrap'],
    rule: atMostOne(['has(self.initdb)', 'has(self.recovery)', 'has(self.pg_basebackup)']),
    message: 'only one of initdb, recovery, pg_basebackup can be set',
  },
  {
    kind: 'Cluster',
    path: ['spec', 'bootstrap', 'initdb'],
    rule: `${needsProvider('icuLocale', 'icu')} && ${needsProvider('icuRules', 'icu')}`,
    message: "icuLocale and icuRules require localeProvider 'icu'",
  },
  {
    kind: 'Cluster',
    path: ['spec', 'bootstrap', 'initdb'],
    rule: needsProvider('builtinLocale', 'builtin'),
    message: "builtinLocale requires localeProvider 'builtin'",
  },
  {
    kind: 'Cluster',
    path: ['spec', 'bootstrap', 'recovery', 'recoveryTarget'],
    // backupID and targetTLI combine with any target; targetImmediate: false sets no target.
    rule: atMostOne([
      'has(self.targetXID)',
      'has(self.targetName)',
      'has(self.targetLSN)',
      'has(self.targetTime)',
      '(has(self.targetImmediate) && self.targetImmediate)',
    ]),
    message: 'only one of targetXID, targetName, targetLSN, targetTime, targetImmediate can be set',
  },
  {
    kind: 'Pooler',
    path: ['spec', 'pgbouncer'],
    rule: exclusive('image', 'imageCatalogRef'),
    message: 'image and imageCatalogRef are mutually exclusive',
  },
  ...DATABASE_CEL_RULES,
];

/** Adds the kind's rules to its schema in place; a rule whose field no longer exists is an error. */
export function addCelRules(kind: KnownKind, root: Schema): void {
  for (const { path, rule, message, fieldPath } of CEL_RULES.filter((entry) => entry.kind === kind)) {
    const node = path.reduce<Schema | undefined>(
      (parent, name) => (parent?.['properties'] as Record<string, Schema> | undefined)?.[name],
      root,
    );
    if (!node) throw new Error(`CEL rule for ${kind}: no field ${path.join('.')} in the schema (src/api/crd/validations.ts)`);
    node['x-kubernetes-validations'] = [...((node['x-kubernetes-validations'] as unknown[] | undefined) ?? []), { rule, message, ...(fieldPath ? { fieldPath } : {}) }];
  }
}
