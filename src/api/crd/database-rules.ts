// The Database CRD's CEL rules, as CloudNativePG's: the fields CREATE DATABASE takes once cannot
// change, the databases PostgreSQL needs cannot be named, and the locale fields need their provider.
import { IMMUTABLE_DATABASE_FIELDS, RESERVED_DATABASES } from '../database.js';

interface CelRule {
  kind: 'Database';
  path: readonly string[];
  rule: string;
  message: string;
}

const immutable: CelRule[] = IMMUTABLE_DATABASE_FIELDS.map((field) => ({
  kind: 'Database',
  path: ['spec', field],
  rule: 'self == oldSelf',
  message: `${field === 'cluster' ? 'cluster reference' : field} is immutable`,
}));

const reserved: CelRule[] = RESERVED_DATABASES.map((name) => ({
  kind: 'Database',
  path: ['spec', 'name'],
  rule: `self != '${name}'`,
  message: `the name ${name} is reserved`,
}));

const providers: CelRule[] = [
  ['builtinLocale', 'builtin'],
  ['icuLocale', 'icu'],
  ['icuRules', 'icu'],
].map(([field, provider]) => ({
  kind: 'Database',
  path: ['spec'],
  rule: `!has(self.${field}) || (has(self.localeProvider) && self.localeProvider == '${provider}')`,
  message: `${field} is only available when localeProvider is set to \`${provider}\``,
}));

export const DATABASE_CEL_RULES: readonly CelRule[] = [...immutable, ...reserved, ...providers];
