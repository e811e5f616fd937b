#!/usr/bin/env node
// `cnpg` / `kubectl-cnpg`: kubectl's verbs and the cnpg plugin's commands against the local control plane.
import { Command, Option } from 'commander';
import { connect, CliError, runCli, type DaemonClient } from './client.js';
import { applyManifest, isOperatorRelease, readManifestSource, withNamespace } from './commands/apply.js';
import { createSecretCommand, SECRET_TYPES } from './commands/create-secret.js';
import { execCommand, psqlCommand } from './commands/exec.js';
import { logsCommand, logsTarget } from './commands/logs.js';
import { rolloutStatusCommand } from './commands/rollout.js';
import { addGlobalOptions, withoutPluginWord } from './global-options.js';
import { describeCommand, getCommand } from './commands/get.js';
import { deleteCommand, metadataCommand, patchCommand, waitCommand } from './commands/mutate.js';
import { operatorStatus, runOperator, stopOperator } from './commands/operator.js';
import { daemonAccess, fencing, promote, reload, restart } from './commands/ha.js';
import { statusCommand } from './commands/status.js';
import { daemonPoolerAccess, poolerPause } from './commands/pooler.js';
import { backupCommand, daemonBackupApi, withBackupOptions } from './commands/backup.js';
import { addVerifyCommand, daemonVerifyApi, verifyCommand } from './commands/backup-verify.js';
import { dashboardUrl } from './commands/dashboard.js';
import { destroy, localKeptData } from './commands/destroy.js';
import { daemonReportSource, reportCluster } from './commands/report.js';
import { daemonOperatorReportSource, reportOperator } from './commands/report-operator.js';
import { certificateCommand, type CertificateAccess } from './commands/certificate.js';
import { localPgbench, requireDash } from './commands/pgbench.js';
import { logicalCommands } from './commands/logical.js';
import { localLogicalPlatform } from './commands/logical-local.js';
import { installGenerate, installGenerateCommand, installVersionFlag } from './commands/install-generate.js';
import { parseDuration } from './commands/mutate.js';
import { hibernate } from './commands/hibernate.js';
import { daemonMaintenanceAccess, maintenance, maintenanceCommand } from './commands/maintenance.js';

const VERSION = '0.1.0';
const ns = () => new Option('-n, --namespace <namespace>', 'namespace of the objects');
let exitCode = 0;

const program = addGlobalOptions(
  new Command('cnpg')
    .description('Run CloudNativePG manifests locally: PostgreSQL clusters with failover-ready replicas, endpoints and secrets.')
    .version(VERSION, '--version')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) }),
);

program
  .command('apply')
  .description('create or update resources from a file or standard input (-f -)')
  .requiredOption('-f, --filename <file>', 'manifest file, or - for standard input')
  .addOption(ns())
  .addOption(new Option('--dry-run [mode]', 'validate only').choices(['none', 'client', 'server']).preset('client'))
  .option('--server-side', 'accepted for compatibility; local apply is always authoritative')
  .action(async (o) => {
    if (isOperatorRelease(o.filename)) {
      process.stderr.write(`note: ${o.filename} installs the operator on Kubernetes; locally the operator is built in and starts with the first command that needs it (cnpg operator status)\n`);
      return;
    }
    const manifest = withNamespace(await readManifestSource(o.filename), o.namespace);
    const client = await connect();
    process.stdout.write(await applyManifest(client, manifest, o.dryRun ?? 'none'));
  });

const repeatable = (v: string, p: string[]) => [...p, v];
const create = program.command('create').description('create a Secret or Namespace');
create
  .command('secret')
  .description('create a Secret from literals and files (generic) or a certificate and key (tls); --dry-run=client -o yaml prints it instead')
  .argument('<type>', SECRET_TYPES.join(' or '))
  .argument('<name>')
  .addOption(ns())
  .option('--from-literal <key=value>', 'a key and literal value (repeatable)', repeatable, [])
  .option('--from-file <[key=]path>', 'a key from a file (repeatable)', repeatable, [])
  .option('--from-env-file <path>', 'keys from KEY=VALUE lines (repeatable)', repeatable, [])
  .option('--type <type>', 'Secret type (default Opaque)')
  .option('--cert <path>', 'tls: the certificate (PEM)')
  .option('--key <path>', 'tls: the private key (PEM)')
  .addOption(new Option('--dry-run [mode]', 'print or validate only, create nothing').choices(['none', 'client', 'server']).preset('client'))
  .option('-o, --output <format>', 'json|yaml|name: print the Secret')
  .action((type: string, name: string, o) => createSecretCommand(connect, type, name, o));
create
  .command('namespace')
  .alias('ns')
  .argument('<name>')
  .action(async (name: string) => {
    const client = await connect();
    if (await client.tryGet('Namespace', undefined, name)) throw new CliError(`Error from server (AlreadyExists): namespaces "${name}" already exists`);
    await applyManifest(client, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${JSON.stringify(name)}\n`, 'none');
    process.stdout.write(`namespace/${name} created\n`);
  });

program
  .command('get')
  .description('list resources: clusters, pods, services, secrets, backups, events, pvc (data directories), deployments, ...')
  .argument('<resource...>', 'TYPE [NAME...] or TYPE/NAME')
  .addOption(ns())
  .option('-A, --all-namespaces', 'list across all namespaces')
  .option('-o, --output <format>', 'json|yaml|name|wide|jsonpath=...|custom-columns=...')
  .option('-l, --selector <selector>', 'label selector, e.g. cnpg.io/cluster=pg,role=primary')
  .option('--field-selector <selector>', 'field selector, e.g. involvedObject.name=pg or type=Warning')
  .option('-w, --watch', 'keep printing changes')
  .option('--no-headers', 'omit the header row')
  .action(async (args: string[], o) => getCommand(await connect(), args, { ...o, noHeaders: o.headers === false }));

program
  .command('describe')
  .argument('<resource...>')
  .addOption(ns())
  .action(async (args: string[], o) => describeCommand(await connect(), args, o));

program
  .command('delete')
  .argument('[resource...]')
  .addOption(ns())
  .option('-f, --filename <file>', 'delete the objects in a manifest')
  .option('--wait <bool>', 'wait for finalization', 'true')
  .option('--timeout <duration>', 'give up after', '300s')
  .option('--ignore-not-found', 'treat a missing object as deleted')
  .action(async (args: string[], o) => deleteCommand(await connect(), args, { ...o, wait: o.wait !== 'false' }));

program
  .command('patch')
  .argument('<resource...>')
  .addOption(ns())
  .option('--type <type>', 'patch type', 'merge')
  .option('-p, --patch <json>', 'the patch')
  .action(async (args: string[], o) => patchCommand(await connect(), args, o));

for (const [verb, field] of [['annotate', 'annotations'], ['label', 'labels']] as const) {
  program
    .command(verb)
    .argument('<args...>', 'TYPE NAME KEY=VALUE ... (KEY- removes)')
    .addOption(ns())
    .option('--overwrite', 'replace existing values')
    .action(async (args: string[], o) => metadataCommand(await connect(), field, args, o));
}

program
  .command('wait')
  .argument('<resource...>')
  .addOption(ns())
  .requiredOption('--for <condition>', "condition=Ready[=False], delete, create or jsonpath='{.status.phase}'=VALUE")
  .option('--timeout <duration>', 'give up after', '30s')
  .action(async (args: string[], o) => waitCommand(await connect(), args, o));

const rollout = program.command('rollout').description('rollout status: wait for a Cluster to be Ready, or for the operator Deployment');
rollout
  .command('status')
  .argument('<resource...>', 'cluster/NAME or deployment/cnpg-controller-manager (-n cnpg-system)')
  .addOption(ns())
  .option('--timeout <duration>', 'give up after (0s: wait for ever)', '0s')
  .option('-w, --watch <bool>', 'keep waiting until done', 'true')
  .action(async (args: string[], o) => rolloutStatusCommand(await connect(), args, { ...o, watch: o.watch !== 'false' }));

program
  .command('exec')
  .description('run a command against an instance, as its PostgreSQL user with PGHOST/PGPORT/PGUSER set')
  .argument('<pod>')
  .argument('[command...]')
  .addOption(ns())
  .option('-i, --stdin', 'accepted for compatibility: standard input is always passed')
  .option('-t, --tty', 'accepted for compatibility')
  .action(async (pod: string, cmd: string[], o) => {
    exitCode = await execCommand(await connect(), pod, cmd, o);
  });

program
  .command('status')
  .description('show the status of a cluster')
  .argument('<cluster>')
  .addOption(ns())
  .option('-o, --output <format>', 'text|json', 'text')
  .option('-v, --verbose', 'more detail (repeatable; -v -v adds the primary\'s configuration, HBA rules and certificates)', (_v, p: number) => p + 1, 0)
  .option('-t, --timeout <duration>', 'timeout for reaching into the instances\' files (locally they are read directly)', '10s')
  .action(async (cluster: string, o) => statusCommand(await connect(), cluster, o));

program
  .command('psql')
  .description('open psql on the primary (or a replica)')
  .argument('<cluster>')
  .argument('[args...]', 'arguments for psql, after --')
  .addOption(ns())
  .option('--replica', 'connect to a replica')
  .option('-i, --stdin', 'accepted for compatibility')
  .option('-t, --tty', 'accepted for compatibility')
  .action(async (cluster: string, args: string[], o) => {
    exitCode = await psqlCommand(await connect(), cluster, args, o);
  });

program
  .command('logs')
  .description('print logs: `logs cluster NAME` for every instance, or `logs POD` (also pod/POD)')
  .argument('<target...>', 'cluster NAME, POD, pod/POD or pod POD')
  .addOption(ns())
  .option('-f, --follow', 'keep printing new lines')
  .option('--tail <lines>', 'only the last lines of each log', (v) => Number(v))
  .action(async (args: string[], o) => {
    const target = logsTarget(args);
    await logsCommand(await connect(), target, o);
  });

program
  .command('promote')
  .description('switch over: make INSTANCE (a name or serial number) the primary')
  .argument('<cluster>')
  .argument('<instance>')
  .addOption(ns())
  .action(async (cluster: string, instance: string, o) => void process.stdout.write(await promote(daemonAccess(await connect(), o.namespace), cluster, instance)));

program
  .command('fencing')
  .description('fencing on|off CLUSTER INSTANCE ("*" or all for every instance): stop PostgreSQL but keep the instance')
  .argument('<mode>', 'on or off')
  .argument('<cluster>')
  .argument('<instance>')
  .addOption(ns())
  .action(async (mode: string, cluster: string, instance: string, o) => void process.stdout.write(await fencing(daemonAccess(await connect(), o.namespace), mode, cluster, instance)));

program
  .command('restart')
  .description('restart PostgreSQL: every instance in rolling order (standbys first, primary last), or one (a primary in place, a standby recreated)')
  .argument('<cluster>')
  .argument('[instance]')
  .addOption(ns())
  .action(async (cluster: string, instance: string | undefined, o) => void process.stdout.write(await restart(daemonAccess(await connect(), o.namespace), cluster, instance)));

program
  .command('reload')
  .description('make every instance re-read its configuration and credentials')
  .argument('<cluster>')
  .addOption(ns())
  .action(async (cluster: string, o) => void process.stdout.write(await reload(daemonAccess(await connect(), o.namespace), cluster)));

program
  .command('pooler')
  .description('pooler pause|resume NAME: drain a Pooler\'s PgBouncers for maintenance (PAUSE), or let clients through again (RESUME)')
  .argument('<action>', 'pause or resume')
  .argument('<pooler>')
  .addOption(ns())
  .action(async (action: string, pooler: string, o) => void process.stdout.write(await poolerPause(daemonPoolerAccess(await connect(), o.namespace), action, pooler)));

program
  .command('hibernate')
  .description('hibernate on|off CLUSTER: stop every instance keeping data and primary (on), or start them again (off)')
  .argument('<mode>', 'on or off')
  .argument('<cluster>')
  .addOption(ns())
  .action(async (mode: string, cluster: string, o) => void process.stdout.write(await hibernate(daemonAccess(await connect(), o.namespace), mode, cluster)));

maintenanceCommand(program)
  .addOption(ns())
  .action(async (mode: string, cluster: string | undefined, o) => void process.stdout.write(await maintenance(daemonMaintenanceAccess(await connect(), o.namespace), mode, cluster, o)));

const backup = withBackupOptions(program.command('backup'))
  .description('take an on-demand base backup of CLUSTER to its object store (creates a Backup); `backup verify CLUSTER` restore-drills one')
  .argument('<cluster>')
  .addOption(ns())
  .action(async (cluster: string, o) => backupCommand(daemonBackupApi(await connect()), cluster, o));
addVerifyCommand(backup).addOption(ns()).action(async (cluster: string, o) => verifyCommand(daemonVerifyApi(await connect()), cluster, o));

program
  .command('dashboard')
  .description('print the address of the live dashboard (topology, lag, throughput, backups, events), served by the local operator; it only reads unless opened with the token')
  .argument('[cluster]', 'open on this Cluster')
  .addOption(ns())
  .option('--with-token', "put the control plane's token in the address (in its fragment, which the browser never sends): the page may then ask for a switchover")
  .action(async (cluster: string | undefined, o) => void process.stdout.write(`${await dashboardUrl(await connect(), cluster, o.namespace, o.withToken === true)}\n`));

program
  .command('destroy')
  .description('destroy INSTANCE (a name or serial number) of CLUSTER with its data; the Cluster makes a new instance (a primary is switched over first)')
  .argument('<cluster>')
  .argument('<instance>')
  .addOption(ns())
  .option('--timeout <duration>', 'give up waiting for the instance to be gone after', '300s')
  .option('-k, --keep-pvc', 'keep the data folder, set aside under $CNPG_HOME/detached, instead of deleting it')
  .action(async (cluster: string, instance: string, o) => {
    const client = await connect();
    process.stdout.write(await destroy(daemonAccess(client, o.namespace), cluster, instance, { timeoutMs: parseDuration(o.timeout), keepPvc: o.keepPvc === true, describeKept: localKeptData(client.home.root, o.namespace ?? 'default', cluster) }));
  });

const report = program
  .command('report')
  .description('report cluster NAME | operator: a zip of manifests, status, events and (with --logs) logs, secrets redacted, for troubleshooting');
report
  .command('cluster')
  .argument('<cluster>')
  .addOption(ns())
  .option('-f, --file <file>', 'the zip to write (default: report_cluster_NAME_YYYYMMDD_hhmmss.zip)')
  .option('-o, --output <format>', 'manifest format: yaml or json', 'yaml')
  .option('-l, --logs', "include the instances' and the operator's logs")
  .option('-t, --timestamps', 'put a timestamp (UTC, the one the line carries) before each log line')
  .action(async (cluster: string, o) => void process.stdout.write(await reportCluster(daemonReportSource(await connect(), o.namespace), cluster, o)));
report
  .command('operator')
  .description("the local operator: its process and home, the namespace's Clusters and their events, and (with --logs) its log")
  .addOption(ns())
  .option('-f, --file <file>', 'the zip to write (default: report_operator_YYYYMMDD_hhmmss.zip)')
  .option('-o, --output <format>', 'manifest format: yaml or json', 'yaml')
  .option('-l, --logs', "include the operator's log")
  .option('-t, --timestamps', 'put a timestamp (UTC, the one the line carries) before each log line')
  .action(async (o) => void process.stdout.write(await reportOperator(daemonOperatorReportSource(await connect(), VERSION, o.namespace), o)));

const daemonCertificateAccess = (client: DaemonClient, namespace: string): CertificateAccess => ({
  getCluster: (name) => client.get('Cluster', namespace, name),
  getSecret: (name) => client.tryGet('Secret', namespace, name),
  createSecret: async (secret) => void (await applyManifest(client, JSON.stringify(secret), 'none')),
});

program
  .command('certificate')
  .description("create a kubernetes.io/tls Secret NAME with a client certificate for --cnpg-user, signed by the cluster's client CA (for pg_hba cert authentication)")
  .argument('<name>', 'the Secret to create')
  .addOption(ns())
  .requiredOption('--cnpg-cluster <cluster>', 'the PostgreSQL Cluster')
  .requiredOption('--cnpg-user <user>', 'the PostgreSQL user (the certificate\'s common name)')
  .option('-o, --output <format>', 'also print the Secret: json or yaml')
  .option('--dry-run', 'print it only (with -o), create nothing')
  .action(async (name: string, o) => {
    const namespace = o.namespace ?? 'default';
    process.stdout.write(await certificateCommand(daemonCertificateAccess(await connect(), namespace), name, namespace, o));
  });

program
  .command('pgbench')
  .description("run pgbench against CLUSTER's read-write endpoint as its application user; pgbench's own arguments go after --")
  .argument('<cluster>')
  .argument('[args...]', 'arguments for pgbench, after --')
  .addOption(ns())
  .option('--db-name <name>', 'the database pgbench uses', 'app')
  .option('--dry-run', 'print the command instead of running it')
  .action(async (cluster: string, args: string[], o) => {
    requireDash(args);
    exitCode = await localPgbench(await connect(), o.namespace ?? 'default', cluster, args, { ...o, nodeSelector: [] });
  });

logicalCommands(program, async (o) => localLogicalPlatform(await connect(), o.namespace as string | undefined), (c) => c.addOption(ns()));

installGenerateCommand(program, VERSION)
  .addOption(ns())
  .action((o) => void process.stdout.write(installGenerate({ ...o, namespace: program.opts<{ namespace?: string }>().namespace ?? o.namespace })));

const operator = program.command('operator').description('run the local control plane in the foreground (stop | status)');
operator.action(runOperator);
operator.command('stop').description('stop the background operator; instances keep running').action(stopOperator);
operator.command('status').action(operatorStatus);

program.command('version').action(() => {
  process.stdout.write(`cnpg-ts ${VERSION}\n`);
});

runCli(program, () => exitCode, [...process.argv.slice(0, 2), ...installVersionFlag(withoutPluginWord(process.argv.slice(2)))]);
