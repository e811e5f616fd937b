// node-postgres only understands URIs with one host, but the Patroni reference is reached the way
// libpq clients reach it: a keyword/value string with several hosts and
// target_session_attrs=read-write. This turns either form into the ordered list of servers to try.
import type { ClientConfig } from 'pg';

export interface Targets {
  /** Tried in order, as libpq does. */
  servers: ClientConfig[];
  /** target_session_attrs=read-write: skip a server whose sessions are read-only (a standby). */
  readWrite: boolean;
}

/** Splits `key=value key='quoted \' value'` as libpq does (PQconninfoParse). */
export function parseKeywordValue(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const space = () => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  while (true) {
    space();
    if (i >= s.length) return out;
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`connection string: missing "=" after "${s.slice(i)}"`);
    const key = s.slice(i, eq).trim();
    i = eq + 1;
    space();
    let value = '';
    if (s[i] === "'") {
      i++;
      while (i < s.length && s[i] !== "'") {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
      if (s[i] !== "'") throw new Error(`connection string: unterminated quoted value for "${key}"`);
      i++;
    } else {
      while (i < s.length && !/\s/.test(s[i] as string)) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
    }
    out[key] = value;
  }
}

export function parseTargets(conninfo: string): Targets {
  if (/^postgres(ql)?:\/\//.test(conninfo)) {
    const url = new URL(conninfo);
    return { servers: [{ connectionString: conninfo }], readWrite: url.searchParams.get('target_session_attrs') === 'read-write' };
  }
  const kv = parseKeywordValue(conninfo);
  const hosts = (kv.host ?? '127.0.0.1').split(',');
  const ports = (kv.port ?? '5432').split(',');
  if (ports.length !== 1 && ports.length !== hosts.length) throw new Error(`connection string: ${hosts.length} hosts but ${ports.length} ports`);
  const servers = hosts.map((host, k) => ({
    host,
    port: Number(ports.length === 1 ? ports[0] : ports[k]),
    user: kv.user,
    password: kv.password,
    database: kv.dbname,
  }));
  return { servers, readWrite: kv.target_session_attrs === 'read-write' };
}
