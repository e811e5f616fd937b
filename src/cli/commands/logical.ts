// The plugin's logical replication verbs, as CloudNativePG's kubectl-cnpg has them: `publication
// create|drop` and `subscription create|drop|sync-sequences`. The SQL is decided here, once, for
// both CLIs; a platform only runs a command on the cluster's primary (kubectl exec into its Pod,
// or the local instance's user on its socket). A subscription's connection names files in the
// primary's folder (the externalClusters entry's password as a passfile, its PEMs), written there
// through standard input: no secret is on a command line, in the SQL, in pg_subscription or in
// what the command prints.
import { Command } from 'commander';
import type { Cluster } from '../../api/index.js';
import { externalConnectionDir, externalConnectionFiles, externalConninfo, type ExternalConnection } from '../../instance/external-connection.js';
import { conninfo } from '../../postgres/sql.js';
import { CliError } from '../client.js';
import {
  SEQUENCES_SQL,
  checkName,
  parseSequences,
  publicationCreateSql,
  publicationDropSql,
  subscriptionConninfoSql,
  subscriptionCreateSql,
  subscriptionDropSql,
  syncSequencesSql,
  type PublicationCreate,
} from './logical-sql.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The cluster's primary, as a platform reaches it. */
export interface PrimaryShell {
  /** The instance's folder on the primary: external connections' files go under it. */
  root: string;
  /** Runs argv as PostgreSQL's user on the primary, libpq pointed at its server; stdin is written to the command. */
  run(argv: string[], stdin?: string): Promise<RunResult>;
}

export interface LogicalPlatform {
  cluster(name: string): Promise<Cluster>;
  /** A Secret's data, decoded; undefined when there is no such Secret. */
  secret(name: string): Promise<Record<string, string> | undefined>;
  primary(cluster: Cluster): Promise<PrimaryShell>;
}

/** A Secret object's data, decoded; undefined for no Secret. */
export function secretData(secret: { data?: Record<string, string> } | undefined): Record<string, string> | undefined {
  if (!secret) return undefined;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

type ExternalCluster = NonNullable<Cluster['spec']['externalClusters']>[number];
const SECRET_FIELDS = ['password', 'sslCert', 'sslKey', 'sslRootCert'] as const;

/** The database a command runs in when --dbname is not given: the cluster's application database. */
export function applicationDatabase(cluster: Cluster): string {
  const b = cluster.spec.bootstrap;
  return b?.initdb?.database ?? b?.recovery?.database ?? b?.pg_basebackup?.database ?? 'app';
}

function externalEntry(cluster: Cluster, name: string): { entry: ExternalCluster; index: number } {
  const entries = cluster.spec.externalClusters ?? [];
  const index = entries.findIndex((e) => e.name === name);
  const entry = entries[index];
  if (!entry) throw new CliError(`error: cluster ${cluster.metadata.name} has no spec.externalClusters entry named ${JSON.stringify(name)}`);
  if (!entry.connectionParameters) throw new CliError(`error: spec.externalClusters[${index}] (${name}) of cluster ${cluster.metadata.name} has no connectionParameters`);
  return { entry, index };
}

async function externalConnection(platform: LogicalPlatform, cluster: Cluster, name: string): Promise<ExternalConnection> {
  const { entry, index } = externalEntry(cluster, name);
  const conn: ExternalConnection = { name, params: { ...entry.connectionParameters } };
  for (const field of SECRET_FIELDS) {
    const ref = entry[field];
    if (!ref) continue;
    const value = (await platform.secret(ref.name))?.[ref.key];
    if (value === undefined) throw new CliError(`error: spec.externalClusters[${index}].${field}: secret ${ref.name} has no key ${JSON.stringify(ref.key)}`);
    conn[field] = value;
  }
  return conn;
}

const WRITE_PRIVATE = 'umask 077 && mkdir -p -- "$1" && chmod 700 -- "$1" && cat > "$1/$2.tmp" && mv -f -- "$1/$2.tmp" "$1/$2"';

/** Writes the entry's files on the primary (their contents on standard input) and returns the conninfo naming them. */
async function prepareExternal(shell: PrimaryShell, conn: ExternalConnection, overrides: Record<string, string>): Promise<string> {
  const dir = externalConnectionDir(shell.root, conn.name);
  const conninfo = externalConninfo(conn, dir, overrides);
  for (const [file, content] of Object.entries(externalConnectionFiles(conn))) {
    const r = await shell.run(['sh', '-c', WRITE_PRIVATE, 'sh', dir, file], content);
    if (r.code !== 0) throw new CliError(`error: cannot write ${dir}/${file} on the primary: ${r.stderr.trim()}`);
  }
  return conninfo;
}

/** psql on the primary, stopping at the first error: its answer, or its error as the command's. */
async function psql(shell: PrimaryShell, target: string, sql: string): Promise<string> {
  const r = await shell.run(['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-d', target, '-c', sql]);
  if (r.code !== 0) throw new CliError(r.stderr.trim() || `error: psql exited with ${r.code}`);
  return r.stdout;
}

interface Common {
  dbname?: string;
  dryRun?: boolean;
  externalCluster?: string;
}

/** psql's -d for a database of the primary: as a conninfo, so a name holding `=` is still only a name. */
const databaseOf = (cluster: Cluster, o: Common) => conninfo({ dbname: o.dbname?.trim() ? checkName('dbname', o.dbname) : applicationDatabase(cluster) });

/** Where a publication verb runs: the cluster's primary, or with --external-cluster that server, reached from the primary. */
async function publicationTarget(platform: LogicalPlatform, cluster: Cluster, shell: PrimaryShell, o: Common): Promise<string> {
  if (!o.externalCluster) return databaseOf(cluster, o);
  const overrides: Record<string, string> = o.dbname?.trim() ? { dbname: checkName('dbname', o.dbname) } : { dbname: applicationDatabase(cluster) };
  return prepareExternal(shell, await externalConnection(platform, cluster, checkName('external-cluster', o.externalCluster)), overrides);
}

export async function publicationCreate(platform: LogicalPlatform, name: string, o: Common & PublicationCreate): Promise<string> {
  const cluster = await platform.cluster(name);
  const sql = publicationCreateSql(o);
  if (o.dryRun) return `${sql}\n`;
  const shell = await platform.primary(cluster);
  await psql(shell, await publicationTarget(platform, cluster, shell, o), sql);
  return `${sql}\n`;
}

export async function publicationDrop(platform: LogicalPlatform, name: string, o: Common & { publication: string }): Promise<string> {
  const cluster = await platform.cluster(name);
  const sql = publicationDropSql(o.publication);
  if (o.dryRun) return `${sql}\n`;
  const shell = await platform.primary(cluster);
  await psql(shell, await publicationTarget(platform, cluster, shell, o), sql);
  return `${sql}\n`;
}

export async function subscriptionCreate(
  platform: LogicalPlatform,
  name: string,
  o: Common & { subscription: string; publication: string; publicationDbname?: string; parameters?: string },
): Promise<string> {
  const cluster = await platform.cluster(name);
  const dbname = databaseOf(cluster, o);
  const conn = await externalConnection(platform, cluster, checkName('external-cluster', o.externalCluster));
  // The entry's own dbname unless --publication-dbname names the publisher's database.
  const overrides: Record<string, string> = o.publicationDbname?.trim() ? { dbname: checkName('publication-dbname', o.publicationDbname) } : {};
  if (o.dryRun) {
    const sql = subscriptionCreateSql(o, externalConninfo(conn, externalConnectionDir('<primary>', conn.name), overrides));
    return `${sql}\n`;
  }
  const shell = await platform.primary(cluster);
  const sql = subscriptionCreateSql(o, await prepareExternal(shell, conn, overrides));
  await psql(shell, dbname, sql);
  return `${sql}\n`;
}

export async function subscriptionDrop(platform: LogicalPlatform, name: string, o: Common & { subscription: string }): Promise<string> {
  const cluster = await platform.cluster(name);
  const sql = subscriptionDropSql(o.subscription);
  if (o.dryRun) return `${sql}\n`;
  await psql(await platform.primary(cluster), databaseOf(cluster, o), sql);
  return `${sql}\n`;
}

/** Sets each subscribed sequence to the publisher's value (logical replication does not carry sequences). */
export async function syncSequences(platform: LogicalPlatform, name: string, o: Common & { subscription: string; offset?: number }): Promise<string> {
  const cluster = await platform.cluster(name);
  const dbname = databaseOf(cluster, o);
  const shell = await platform.primary(cluster);
  const source = (await psql(shell, dbname, subscriptionConninfoSql(o.subscription))).trim();
  if (source === '') throw new CliError(`error: subscription ${JSON.stringify(o.subscription)} was not found`);
  const published = parseSequences(await psql(shell, source, SEQUENCES_SQL));
  const subscribed = parseSequences(await psql(shell, dbname, SEQUENCES_SQL));
  const script = syncSequencesSql(published, subscribed, o.offset ?? 0);
  if (o.dryRun || script === '') return script === '' ? '' : `${script}\n`;
  await psql(shell, dbname, script);
  return `${script}\n`;
}

const list = (v: string, p: string[]) => [...p, ...v.split(',').filter((s) => s.trim() !== '')];
const integer = (v: string) => {
  if (!/^-?\d+$/.test(v)) throw new CliError(`error: --offset ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
};

/**
 * Adds `publication` and `subscription` to a CLI. `open` makes the platform from the verb's
 * options; `options` adds a CLI's own per-verb options (the local CLI's --namespace).
 */
export function logicalCommands(program: Command, open: (o: Record<string, unknown>) => Promise<LogicalPlatform>, options: (c: Command) => Command = (c) => c): void {
  const print = (text: string) => void process.stdout.write(text);
  const publication = program.command('publication').description('create or drop a logical replication publication (runs SQL on the primary)');
  options(publication.command('create').description('create a publication on CLUSTER\'s primary, or with --external-cluster on that server'))
    .argument('<cluster>')
    .option('--publication <name>', 'the name of the publication to create (required)')
    .option('--dbname <name>', 'the database (default: the application database)')
    .option('--all-tables', 'publish every table')
    .option('--schema <name>', 'publish the tables in this schema (repeatable, or comma-separated)', list, [])
    .option('--table <[schema.]name>', 'publish this table (repeatable, or comma-separated)', list, [])
    .option('--external-cluster <name>', 'create it on this spec.externalClusters entry instead')
    .option('--parameters <list>', 'WITH parameters, "name = value, …" (each value passed as a literal)')
    .option('--dry-run', 'print the SQL without running it')
    .action(async (cluster: string, o) => print(await publicationCreate(await open(o), cluster, o)));
  options(publication.command('drop').description('drop a publication on CLUSTER\'s primary, or with --external-cluster on that server'))
    .argument('<cluster>')
    .option('--publication <name>', 'the name of the publication to drop (required)')
    .option('--dbname <name>', 'the database (default: the application database)')
    .option('--external-cluster <name>', 'drop it on this spec.externalClusters entry instead')
    .option('--dry-run', 'print the SQL without running it')
    .action(async (cluster: string, o) => print(await publicationDrop(await open(o), cluster, o)));

  const subscription = program.command('subscription').description('create, drop or sync the sequences of a logical replication subscription (runs SQL on the primary)');
  options(subscription.command('create').description('create a subscription on CLUSTER\'s primary to a publication of a spec.externalClusters entry'))
    .argument('<cluster>')
    .option('--external-cluster <name>', 'the spec.externalClusters entry that publishes (required)')
    .option('--publication <name>', 'the publication to subscribe to (required)')
    .option('--subscription <name>', 'the name of the subscription to create (required)')
    .option('--dbname <name>', 'the database to create it in (default: the application database)')
    .option('--publication-dbname <name>', 'the publisher\'s database (default: the entry\'s dbname)')
    .option('--parameters <list>', 'WITH parameters, "name = value, …" (each value passed as a literal)')
    .option('--dry-run', 'print the SQL without running it')
    .action(async (cluster: string, o) => print(await subscriptionCreate(await open(o), cluster, o)));
  options(subscription.command('drop').description('drop a subscription on CLUSTER\'s primary (and its slot on the publisher)'))
    .argument('<cluster>')
    .option('--subscription <name>', 'the name of the subscription to drop (required)')
    .option('--dbname <name>', 'the database (default: the application database)')
    .option('--dry-run', 'print the SQL without running it')
    .action(async (cluster: string, o) => print(await subscriptionDrop(await open(o), cluster, o)));
  options(subscription.command('sync-sequences').description('set CLUSTER\'s sequences to the values they have on the subscription\'s publisher'))
    .argument('<cluster>')
    .option('--subscription <name>', 'the subscription whose publisher has the values (required)')
    .option('--dbname <name>', 'the database (default: the application database)')
    .option('--offset <n>', 'added to every value', integer, 0)
    .option('--dry-run', 'print the SQL without running it')
    .action(async (cluster: string, o) => print(await syncSequences(await open(o), cluster, o)));
}
