// pg_hba.conf and pg_ident.conf lines as PostgreSQL reads them (hba.c): whitespace-separated
// fields, double quotes around a token, commas joining the items of a list, `#` to the end of
// the line a comment. A line the server would refuse is refused here, with what is wrong, so it
// never reaches a file the server reads at its next start.
//
// Pure PostgreSQL knowledge, but here rather than in src/postgres because validation needs it
// and the api layer depends on nothing; the renderers in src/postgres/hba.ts call it again.
import { isIP } from 'node:net';
import { hasControlCharacter } from './gucs.js';
import { withReferencesAsAddresses } from './pod-selectors.js';

export const CONNECTION_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'];
export const AUTH_METHODS = ['trust', 'reject', 'scram-sha-256', 'md5', 'password', 'gss', 'sspi', 'ident', 'peer', 'pam', 'ldap', 'radius', 'cert', 'oauth'];
const KEYWORD_ADDRESSES = ['all', 'samehost', 'samenet'];
const OPTIONS = [
  'map', 'clientcert', 'clientname', 'pamservice', 'pam_use_hostname', 'ldapurl', 'ldaptls', 'ldapserver', 'ldapport',
  'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter', 'ldapbasedn', 'ldapprefix', 'ldapsuffix',
  'ldapscheme', 'krb_realm', 'include_realm', 'compat_realm', 'upn_username', 'radiusserver', 'radiusservers',
  'radiussecret', 'radiussecrets', 'radiusidentifier', 'radiusidentifiers', 'radiusport', 'radiusports',
  'issuer', 'scope', 'validator', 'delegate_ident_mapping',
];
const HOSTNAME = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** One field: its comma-separated items, each with whether it was quoted. */
export type Field = Array<{ text: string; quoted: boolean }>;

/** Splits a line into fields; throws a description of what is wrong. */
export function tokenize(line: string): Field[] {
  if (hasControlCharacter(line)) throw new Error('contains a control character such as a newline or tab; write one rule per list item');
  const fields: Field[] = [];
  let i = 0;
  const blank = () => line[i] === ' ';
  while (i < line.length) {
    while (blank()) i++;
    if (i >= line.length || line[i] === '#') break;
    const field: Field = [];
    for (;;) {
      let text = '';
      let quoted = false;
      while (i < line.length && !blank() && line[i] !== ',' && line[i] !== '#') {
        if (line[i] === '"') {
          const end = line.indexOf('"', i + 1);
          if (end < 0) throw new Error('has an unterminated double quote');
          text += line.slice(i + 1, end);
          quoted = true;
          i = end + 1;
        } else {
          text += line[i];
          i++;
        }
      }
      field.push({ text, quoted });
      if (line[i] !== ',') break;
      i++;
      while (blank()) i++;
    }
    if (field.some((item) => item.text === '' && !item.quoted)) throw new Error('has an empty item in a comma-separated list');
    fields.push(field);
  }
  return fields;
}

const single = (field: Field | undefined): string | undefined => {
  const only = field?.length === 1 ? field[0] : undefined;
  return only && !only.quoted ? only.text : undefined;
};

/** The line's fields, or what makes it unreadable. */
function fieldsOf(line: string): Field[] | string {
  try {
    return tokenize(line);
  } catch (e) {
    return (e as Error).message;
  }
}

/** What is wrong with a pg_hba.conf line, or undefined when PostgreSQL would accept it. */
export function hbaLineProblem(line: string): string | undefined {
  // A ${podselector:NAME} address becomes host CIDRs; which names exist is the Cluster's check.
  const fields = fieldsOf(withReferencesAsAddresses(line));
  if (typeof fields === 'string') return fields;
  if (fields.length === 0) return undefined;
  const [type, database, user, ...rest] = fields;
  const connection = single(type);
  if (!connection || !CONNECTION_TYPES.includes(connection)) return `connection type must be one of ${CONNECTION_TYPES.join(', ')}`;
  for (const [name, field] of [['database', database], ['user', user]] as const) {
    if (!field) return `is missing the ${name} field`;
    if (field.some((item) => item.text.startsWith('@') && !item.quoted)) return `${name} field: @file inclusion is not allowed; list the names`;
  }
  let next = 0;
  if (connection !== 'local') {
    const problem = addressProblem(rest);
    if (typeof problem === 'string') return problem;
    next = problem;
  }
  const method = single(rest[next]);
  if (!method) return 'is missing the authentication method';
  if (!AUTH_METHODS.includes(method)) return `authentication method "${method}" is not one of ${AUTH_METHODS.join(', ')}`;
  for (const option of rest.slice(next + 1)) {
    const text = option.map((item) => item.text).join(',');
    const eq = text.indexOf('=');
    if (eq <= 0) return `option ${JSON.stringify(text)} must be name=value`;
    const name = text.slice(0, eq);
    if (!OPTIONS.includes(name)) return `unknown authentication option "${name}"`;
  }
  return undefined;
}

/** How many fields the address takes (1, or 2 with a separate mask), or what is wrong with it. */
function addressProblem(fields: Field[]): number | string {
  const address = single(fields[0]);
  if (address === undefined) return 'is missing the address field (a CIDR such as 10.0.0.0/8, all, samehost, samenet or a host name)';
  if (KEYWORD_ADDRESSES.includes(address)) return 1;
  const slash = address.indexOf('/');
  if (slash >= 0) {
    const ip = address.slice(0, slash);
    const bits = address.slice(slash + 1);
    const family = isIP(ip);
    if (family === 0) return `address "${address}": ${JSON.stringify(ip)} is not an IP address`;
    if (!/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return `address "${address}": the prefix length must be 0-${family === 4 ? 32 : 128}`;
    return 1;
  }
  const family = isIP(address);
  if (family !== 0) {
    const mask = single(fields[1]);
    if (mask === undefined || isIP(mask) !== family) return `address "${address}" needs a /prefix length or a separate ${family === 4 ? 'IPv4' : 'IPv6'} mask field`;
    return 2;
  }
  return HOSTNAME.test(address) ? 1 : `address "${address}" is not a CIDR, all, samehost, samenet or a host name`;
}

/** What is wrong with a pg_ident.conf line (map, system user, database user), if anything. */
export function identLineProblem(line: string): string | undefined {
  const fields = fieldsOf(line);
  if (typeof fields === 'string') return fields;
  if (fields.length === 0) return undefined;
  const [map] = fields;
  const first = single(map);
  if (first === 'include' || first === 'include_if_exists' || first === 'include_dir') return 'file inclusion is not allowed';
  if (fields.length !== 3) return `must have three fields: map name, system user name (or /regex) and database user name (got ${fields.length})`;
  if (fields.some((field) => field.length !== 1 || field[0]?.text === '')) return 'each field must be one non-empty name';
  return undefined;
}
