// spec.postgresql: server parameters, host-based access, synchronous replication, LDAP.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { nonEmptyString, plainName, plainString, secretKeySelector } from './common.js';
import { checkParameters } from './gucs.js';
import { hbaLineProblem, identLineProblem } from './hba-lines.js';
import { extensionsSchema, libraryName } from './cluster-extensions.js';
import { labelKey } from './meta-schema.js';

const synchronousSchema = z
  .strictObject({
    method: z.enum(['any', 'first']),
    number: z.int().min(1),
    maxStandbyNamesFromCluster: z.int().min(0).optional(),
    // Written into synchronous_standby_names.
    standbyNamesPre: z.array(plainName).optional(),
    standbyNamesPost: z.array(plainName).optional(),
    dataDurability: z.enum(['required', 'preferred']).default('required'),
    failoverQuorum: z.boolean().optional(),
    podFailureDomainKeys: z.array(nonEmptyString).optional(),
    nodeFailureDomainKeys: z.array(nonEmptyString).optional(),
  })
  .superRefine((sync, ctx) => {
    if (sync.podFailureDomainKeys && sync.nodeFailureDomainKeys) {
      report(ctx, ['nodeFailureDomainKeys'], msg.failureDomainKeys());
    }
    // Remote names count among the potential sync standbys but can never be promoted: with as many
    // of them as commits wait for, no local standby is sure to hold every commit.
    const remote = (sync.standbyNamesPre?.length ?? 0) + (sync.standbyNamesPost?.length ?? 0);
    if (sync.failoverQuorum && sync.number <= remote) report(ctx, ['number'], msg.failoverQuorumNumber(remote));
  });

const syncReplicaElectionConstraintSchema = z
  .strictObject({ enabled: z.boolean(), nodeLabelsAntiAffinity: z.array(labelKey).optional() })
  .superRefine((constraint, ctx) => {
    // As CloudNativePG's webhook: with no label to compare, every standby would share the primary's place.
    if (constraint.enabled && !constraint.nodeLabelsAntiAffinity?.length) report(ctx, ['nodeLabelsAntiAffinity'], msg.syncElectionLabels());
  });

// Every string reaches pg_hba.conf as a quoted value, where a control character has no form.
// As CloudNativePG's webhook: a server is required, and a rule is written only with a bind method.
const ldapSchema = z
  .strictObject({
    server: plainName,
    port: z.int().min(1).max(65535).optional(),
    scheme: z.enum(['ldap', 'ldaps']).optional(),
    tls: z.boolean().optional(),
    bindAsAuth: z.strictObject({ prefix: plainString.optional(), suffix: plainString.optional() }).optional(),
    bindSearchAuth: z
      .strictObject({
        baseDN: plainString.optional(),
        bindDN: plainString.optional(),
        bindPassword: secretKeySelector.optional(),
        searchAttribute: plainString.optional(),
        searchFilter: plainString.optional(),
      })
      .superRefine((search, ctx) => {
        // PostgreSQL refuses the whole pg_hba.conf when a rule has both.
        if (search.searchAttribute && search.searchFilter) report(ctx, ['searchFilter'], msg.ldapSearchExclusive());
      })
      .optional(),
  })
  .superRefine((ldap, ctx) => {
    if (ldap.bindAsAuth && ldap.bindSearchAuth) report(ctx, [], msg.ldapBindMethod());
  });

// Values are type-checked here rather than by a string map so that a number in one parameter
// does not hide rule violations in the others.
const parametersSchema = z
  .record(z.string(), z.unknown())
  .superRefine((parameters, ctx) => {
    const strings: Record<string, string> = {};
    for (const [name, value] of Object.entries(parameters)) {
      if (typeof value === 'string') strings[name] = value;
      else report(ctx, [name], msg.wrongType('string', value));
    }
    for (const finding of checkParameters(strings)) report(ctx, [finding.path], finding.message);
  })
  .transform((parameters) => parameters as Record<string, string>);

/** Lines of pg_hba.conf or pg_ident.conf, each refused at its index with what is wrong. */
function configLines(problem: (line: string) => string | undefined) {
  return z.array(z.string()).superRefine((lines, ctx) => {
    lines.forEach((line, index) => {
      const found = problem(line);
      if (found) report(ctx, [index], msg.hbaLine(found, line));
    });
  });
}

export const postgresConfigurationSchema = z
  .strictObject({
    parameters: parametersSchema.default({}),
    pg_hba: configLines(hbaLineProblem).optional(),
    pg_ident: configLines(identLineProblem).optional(),
    synchronous: synchronousSchema.optional(),
    syncReplicaElectionConstraint: syncReplicaElectionConstraintSchema.optional(),
    shared_preload_libraries: z.array(libraryName).optional(),
    ldap: ldapSchema.optional(),
    promotionTimeout: z.int().min(0).optional(),
    enableAlterSystem: z.boolean().default(false),
    extensions: extensionsSchema.optional(),
  })
  .superRefine((pg, ctx) => {
    const keys = pg.synchronous?.podFailureDomainKeys?.length || pg.synchronous?.nodeFailureDomainKeys?.length;
    if (pg.syncReplicaElectionConstraint?.enabled && keys) report(ctx, ['syncReplicaElectionConstraint'], msg.failureDomainWithElection());
  });
