// The pooler manager's command line, checked as a whole before anything starts: a wrong flag is a
// usage error naming the flag, what is wrong and what is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `usage: pooler-manager --run-dir DIR --port N --http-port N (--handout-file PATH | --handout-secret NAME [--namespace NS])
                      [--listen-addr ADDR] [--http-addr ADDR] [--reuse-port] [--pgbouncer PATH]

  --run-dir DIR          the manager's own folder (made 0700): PgBouncer's files and unix socket
  --port N               the port PgBouncer listens on for clients
  --listen-addr ADDR     the address PgBouncer listens on (default 127.0.0.1; * for all)
  --reuse-port           share the port with the pooler's other PgBouncers (so_reuseport)
  --http-port N          the manager's HTTP port: /metrics /healthz /readyz /status
  --http-addr ADDR       the address of the HTTP port (default 127.0.0.1)
  --handout-file PATH    read the handout from this JSON file, and again when it changes
  --handout-secret NAME  read it from this Kubernetes Secret (key handout.json), and again when it changes
  --namespace NS         the Secret's namespace (default: the Pod's own)
  --pgbouncer PATH       PgBouncer's executable (default /usr/sbin/pgbouncer, Debian's, else pgbouncer on PATH)`;

/** Where a Pod's ServiceAccount token puts its namespace. */
const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export type HandoutFrom = { kind: 'file'; path: string } | { kind: 'secret'; name: string; namespace: string };

export interface ManagerArgs {
  runDir: string;
  port: number;
  listenAddr: string;
  reusePort: boolean;
  httpPort: number;
  httpAddr: string;
  handout: HandoutFrom;
  pgbouncer: string;
}

export class UsageError extends Error {}

const DEBIAN_PGBOUNCER = '/usr/sbin/pgbouncer';

/** Debian's PgBouncer, else the first on PATH (an image built from source puts it in /usr/bin or /usr/local/bin). */
export function defaultPgbouncer(pathEnv = process.env.PATH ?? '', debian = DEBIAN_PGBOUNCER): string {
  if (existsSync(debian)) return debian;
  const onPath = pathEnv.split(delimiter).filter(isAbsolute).map((dir) => join(dir, 'pgbouncer')).find((file) => existsSync(file));
  return onPath ?? debian;
}

function port(flag: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new UsageError(`${flag} ${JSON.stringify(value)} is not a port number (1 to 65535)`);
  return n;
}

function absolute(flag: string, value: string): string {
  if (!isAbsolute(value)) throw new UsageError(`${flag} ${JSON.stringify(value)} must be an absolute path`);
  return value;
}

export function parseManagerArgs(argv: string[]): ManagerArgs {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'run-dir': { type: 'string' },
        port: { type: 'string' },
        'listen-addr': { type: 'string', default: '127.0.0.1' },
        'reuse-port': { type: 'boolean', default: false },
        'http-port': { type: 'string' },
        'http-addr': { type: 'string', default: '127.0.0.1' },
        'handout-file': { type: 'string' },
        'handout-secret': { type: 'string' },
        namespace: { type: 'string' },
        pgbouncer: { type: 'string' },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!values['run-dir']) throw new UsageError('--run-dir is required');
  const file = values['handout-file'];
  const secret = values['handout-secret'];
  if ((file === undefined) === (secret === undefined)) throw new UsageError('give exactly one of --handout-file and --handout-secret');
  if (values.namespace !== undefined && secret === undefined) throw new UsageError('--namespace goes with --handout-secret');
  let handout: HandoutFrom;
  if (file !== undefined) handout = { kind: 'file', path: absolute('--handout-file', file) };
  else {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(secret!)) throw new UsageError(`--handout-secret ${JSON.stringify(secret)} is not a Secret name (lower-case letters, digits, - and .)`);
    const namespace = values.namespace ?? process.env.POD_NAMESPACE ?? (existsSync(POD_NAMESPACE_FILE) ? readFileSync(POD_NAMESPACE_FILE, 'utf8').trim() : undefined);
    if (!namespace) throw new UsageError('--namespace is required outside a Pod (no POD_NAMESPACE, no ServiceAccount namespace file)');
    handout = { kind: 'secret', name: secret!, namespace };
  }
  return {
    runDir: absolute('--run-dir', values['run-dir']),
    port: port('--port', values.port),
    listenAddr: values['listen-addr'],
    reusePort: values['reuse-port'],
    httpPort: port('--http-port', values['http-port']),
    httpAddr: values['http-addr'],
    handout,
    pgbouncer: values.pgbouncer === undefined ? defaultPgbouncer() : absolute('--pgbouncer', values.pgbouncer),
  };
}
