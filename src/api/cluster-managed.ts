// spec.managed: PostgreSQL roles and extra Services the operator keeps in line with the spec.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { findDuplicates, localObjectReference, passthrough, plainName } from './common.js';

// The operator's own roles (and the cnpg_ prefix, as CloudNativePG); PostgreSQL itself reserves pg_.
const RESERVED_ROLES = ['postgres', 'streaming_replica'];

/** Never managed, whatever the spec says: refused at apply, and reported `reserved` in status. */
export function isReservedRoleName(name: string): boolean {
  return RESERVED_ROLES.includes(name) || name.startsWith('cnpg_') || name.startsWith('pg_');
}

/** metav1.Time: RFC 3339, with a zone. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const roleSchema = z
  .strictObject({
    name: plainName,
    comment: z.string().optional(),
    ensure: z.enum(['present', 'absent']).default('present'),
    passwordSecret: localObjectReference.optional(),
    connectionLimit: z.int().min(-1).default(-1),
    validUntil: z.string().refine((v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)), { message: msg.rfc3339Time() }).optional(),
    inRoles: z.array(plainName).optional(),
    inherit: z.boolean().default(true),
    disablePassword: z.boolean().default(false),
    superuser: z.boolean().default(false),
    createdb: z.boolean().default(false),
    createrole: z.boolean().default(false),
    login: z.boolean().default(false),
    replication: z.boolean().default(false),
    bypassrls: z.boolean().default(false),
  })
  .superRefine((role, ctx) => {
    if (isReservedRoleName(role.name)) report(ctx, ['name'], msg.reservedRole(role.name));
    if (role.passwordSecret && role.disablePassword) report(ctx, ['disablePassword'], msg.passwordAndDisabled());
  });

export type RoleConfiguration = z.infer<typeof roleSchema>;

const additionalServiceSchema = z.strictObject({
  selectorType: z.enum(['rw', 'ro', 'r']),
  updateStrategy: z.enum(['patch', 'replace']).default('patch'),
  serviceTemplate: z.strictObject({
    // A Service name is a DNS-1035 label, as the API server requires.
    metadata: z.looseObject({ name: z.string().max(63).regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -, starting with a letter, at most 63 characters') }),
    spec: passthrough.optional(),
  }),
});

const servicesSchema = z.strictObject({
  // rw cannot be disabled: applications always need a way to the primary.
  disabledDefaultServices: z.array(z.enum(['r', 'ro'])).optional(),
  additional: z.array(additionalServiceSchema).optional(),
});

export const managedSchema = z
  .strictObject({
    roles: z.array(roleSchema).optional(),
    services: servicesSchema.optional(),
  })
  .superRefine((managed, ctx) => {
    const roles = managed.roles ?? [];
    for (const { index, first } of findDuplicates(roles, (role) => role.name)) {
      report(ctx, ['roles', index, 'name'], msg.duplicate('role', roles[index]?.name, first));
    }
    const additional = managed.services?.additional ?? [];
    for (const { index, first } of findDuplicates(additional, (service) => service.serviceTemplate.metadata.name)) {
      const name = additional[index]?.serviceTemplate.metadata.name;
      report(ctx, ['services', 'additional', index, 'serviceTemplate', 'metadata', 'name'], msg.duplicate('service', name, first));
    }
  });
