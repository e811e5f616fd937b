// The pg_hba.conf rule spec.postgresql.ldap implies, as CloudNativePG renders it: one
// `host all all 0.0.0.0/0 ldap` line whose every value is double-quoted. In a quoted token
// PostgreSQL takes blanks, commas and `#` as text and reads `""` as one `"`; a control
// character has no quoted form, so such a value is refused rather than written.
import { hasControlCharacter } from '../api/control-characters.js';
import { UnsafeConfigurationError } from './config.js';

/** spec.postgresql.ldap as an instance is told it; the bind password travels in its credentials. */
export interface LdapSpec {
  server: string;
  port?: number;
  scheme?: 'ldap' | 'ldaps';
  /** StartTLS before binding (`ldaptls=1`). */
  tls?: boolean;
  /** Simple bind: the server binds as prefix + user name + suffix. */
  bindAsAuth?: { prefix: string; suffix: string };
  /** Search+bind: the server binds as bindDN, finds the user under baseDN, then binds as the DN it found. */
  bindSearchAuth?: { baseDN: string; bindDN: string; searchAttribute?: string; searchFilter?: string };
}

const FIELD = 'spec.postgresql.ldap';

/** `value` as one quoted pg_hba token; `what` names it in the refusal, never the value itself. */
export function quoteHbaValue(value: string, what: string): string {
  if (hasControlCharacter(value)) {
    throw new UnsafeConfigurationError(`refusing to write ${what} to pg_hba.conf: it contains a control character (such as a newline or tab), which pg_hba.conf cannot hold`);
  }
  return `"${value.replaceAll('"', '""')}"`;
}

/** The rule; `bindPassword` is the bindSearchAuth.bindPassword Secret's value (empty without one, as CloudNativePG writes it). */
export function ldapHbaRule(ldap: LdapSpec, bindPassword = ''): string {
  const option = (name: string, value: string, field: string) => `${name}=${quoteHbaValue(value, field)}`;
  const parts = ['host all all 0.0.0.0/0 ldap', option('ldapserver', ldap.server, `${FIELD}.server`)];
  if (ldap.port !== undefined) {
    if (!Number.isInteger(ldap.port) || ldap.port < 1 || ldap.port > 65535) throw new UnsafeConfigurationError(`refusing to write ${FIELD}.port to pg_hba.conf: ${ldap.port} is not a port number`);
    parts.push(`ldapport=${ldap.port}`);
  }
  if (ldap.scheme !== undefined) parts.push(option('ldapscheme', ldap.scheme, `${FIELD}.scheme`));
  if (ldap.tls) parts.push('ldaptls=1');
  const bind = ldap.bindAsAuth;
  if (bind) parts.push(option('ldapprefix', bind.prefix, `${FIELD}.bindAsAuth.prefix`), option('ldapsuffix', bind.suffix, `${FIELD}.bindAsAuth.suffix`));
  const search = ldap.bindSearchAuth;
  if (search) {
    const at = `${FIELD}.bindSearchAuth`;
    parts.push(
      option('ldapbasedn', search.baseDN, `${at}.baseDN`),
      option('ldapbinddn', search.bindDN, `${at}.bindDN`),
      option('ldapbindpasswd', bindPassword, `the bind password (the Secret ${at}.bindPassword names)`),
    );
    if (search.searchFilter) parts.push(option('ldapsearchfilter', search.searchFilter, `${at}.searchFilter`));
    if (search.searchAttribute) parts.push(option('ldapsearchattribute', search.searchAttribute, `${at}.searchAttribute`));
  }
  return parts.join(' ');
}
