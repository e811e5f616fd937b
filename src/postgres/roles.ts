// Role attributes as CREATE/ALTER ROLE spells them.
import { passwordToSend } from './password-form.js';
import { quoteLiteral } from './sql.js';

/** What a managed role declares about itself (spec.managed.roles, defaults applied). */
export interface RoleAttributes {
  login: boolean;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  inherit: boolean;
  replication: boolean;
  bypassrls: boolean;
  connectionLimit: number;
  validUntil?: string;
}

/** Every attribute spelled out, so that ALTER ROLE also takes back what an earlier spec granted. */
export function roleOptions(r: RoleAttributes): string {
  const flag = (on: boolean, word: string) => (on ? word : `NO${word}`);
  const opts = [
    flag(r.login, 'LOGIN'),
    flag(r.superuser, 'SUPERUSER'),
    flag(r.createdb, 'CREATEDB'),
    flag(r.createrole, 'CREATEROLE'),
    flag(r.inherit, 'INHERIT'),
    flag(r.replication, 'REPLICATION'),
    flag(r.bypassrls, 'BYPASSRLS'),
    `CONNECTION LIMIT ${r.connectionLimit}`,
  ];
  if (r.validUntil) opts.push(`VALID UNTIL ${quoteLiteral(r.validUntil)}`);
  return opts.join(' ');
}

/**
 * A PASSWORD clause; no password means none at all (PASSWORD NULL), not an unchanged one. A
 * password goes as postgres/password-form.ts decides; `passthrough` is its Secret's annotation.
 */
export function passwordClause(password: string | undefined, passthrough: boolean): string {
  return password === undefined ? 'PASSWORD NULL' : `PASSWORD ${quoteLiteral(passwordToSend(password, passthrough))}`;
}
