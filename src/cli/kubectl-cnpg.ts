#!/usr/bin/env node
// `kubectl cnpg …`: the plugin's commands against the Kubernetes cluster of the current kubeconfig
// context. kubectl finds this program on PATH by its name and passes the arguments through.
import { Command } from 'commander';
import type { KubeObject } from '../api/meta.js';
import { runCli } from './client.js';
import { withBackupOptions } from './commands/backup.js';
import { addVerifyCommand } from './commands/backup-verify.js';
import { KubeConnection, type KubeOptions } from './kube/connection.js';
import { fencing, promote, reload, restart } from './commands/ha.js';
import { poolerPause } from './commands/pooler.js';
import { hibernate } from './commands/hibernate.js';
import { maintenance, maintenanceCommand } from './commands/maintenance.js';
import { kubeBackup, kubePsql, kubeStatus, kubeVerify } from './kube/commands.js';
import { destroy, kubeKeptPvc } from './commands/destroy.js';
import { certificateCommand } from './commands/certificate.js';
import { pgbenchJob, requireDash } from './commands/pgbench.js';
import { logicalCommands } from './commands/logical.js';
import { kubeLogicalPlatform } from './kube/logical.js';
import { reportCluster, type ReportOptions } from './commands/report.js';
import { reportOperator } from './commands/report-operator.js';
import { kubeOperatorReportSource } from './kube/operator-report-source.js';
import { kubeReportSource } from './kube/report-source.js';
import { installGenerate, installGenerateCommand, installVersionFlag } from './commands/install-generate.js';
import { stringify } from 'yaml';
import { parseDuration } from './commands/mutate.js';

const VERSION = '0.1.0';
let exitCode = 0;

const program = new Command('kubectl-cnpg')
  .description('The cnpg-ts kubectl plugin: status, promote, fencing, restart, reload, backup, psql, destroy, report, pgbench, publication, subscription, certificate and install generate for PostgreSQL Clusters on Kubernetes.')
  .version(VERSION, '--version')
  .option('-n, --namespace <namespace>', 'namespace of the Cluster (default: the context\'s, else "default")')
  .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context to use')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const connection = (): { conn: KubeConnection; o: KubeOptions } => {
  const o = program.opts<KubeOptions>();
  return { conn: KubeConnection.open(o), o };
};

program
  .command('status')
  .description('show the status of a cluster, as its instance managers report it')
  .argument('<cluster>')
  .option('-o, --output <format>', 'text|json', 'text')
  .option('-v, --verbose', 'more detail (repeatable; -v -v adds the primary\'s configuration, HBA rules and certificates)', (_v, p: number) => p + 1, 0)
  .option('-t, --timeout <duration>', 'timeout for reading the primary\'s files through kubectl exec', '10s')
  .action((cluster: string, o) => {
    const { conn, o: k } = connection();
    return kubeStatus(conn, k, cluster, o);
  });

program
  .command('promote')
  .description('switch over: make INSTANCE (a name or serial number) the primary')
  .argument('<cluster>')
  .argument('<instance>')
  .action(async (cluster: string, instance: string) => void process.stdout.write(await promote(connection().conn, cluster, instance)));

program
  .command('fencing')
  .description('fencing on|off CLUSTER INSTANCE ("*" or all for every instance): stop PostgreSQL but keep the Pod')
  .argument('<mode>', 'on or off')
  .argument('<cluster>')
  .argument('<instance>')
  .action(async (mode: string, cluster: string, instance: string) => void process.stdout.write(await fencing(connection().conn, mode, cluster, instance)));

const backup = withBackupOptions(program.command('backup'))
  .description('take an on-demand base backup of CLUSTER (creates a Backup)')
  .argument('<cluster>')
  .action((cluster: string, o) => kubeBackup(connection().conn, cluster, o));
addVerifyCommand(backup).action((cluster: string, o) => kubeVerify(connection().conn, cluster, o));

program
  .command('psql')
  .description('run psql in the primary\'s (or a replica\'s) Pod through kubectl exec')
  .argument('<cluster>')
  .argument('[args...]', 'arguments for psql, after --')
  .option('--replica', 'connect to a replica')
  .action(async (cluster: string, args: string[], o: { replica?: boolean }) => {
    const { conn, o: k } = connection();
    exitCode = await kubePsql(conn, k, cluster, args, o.replica);
  });

program
  .command('restart')
  .description('restart PostgreSQL: every instance in rolling order (standbys first, primary last), or one (a primary in place, a standby\'s Pod recreated)')
  .argument('<cluster>')
  .argument('[instance]')
  .action(async (cluster: string, instance: string | undefined) => void process.stdout.write(await restart(connection().conn, cluster, instance)));

program
  .command('reload')
  .description('make every instance reload its configuration')
  .argument('<cluster>')
  .action(async (cluster: string) => void process.stdout.write(await reload(connection().conn, cluster)));

program
  .command('pooler')
  .description('pooler pause|resume NAME: drain a Pooler\'s PgBouncers for maintenance (PAUSE), or let clients through again (RESUME)')
  .argument('<action>', 'pause or resume')
  .argument('<pooler>')
  .action(async (action: string, pooler: string) => void process.stdout.write(await poolerPause(connection().conn, action, pooler)));

program
  .command('destroy')
  .description('destroy INSTANCE (a name or serial number) of CLUSTER with its Pod and PVCs; the Cluster makes a new instance (a primary is switched over first)')
  .argument('<cluster>')
  .argument('<instance>')
  .option('--timeout <duration>', 'give up waiting for the instance to be gone after', '300s')
  .option('-k, --keep-pvc', 'keep the PVC but detach it from the instance (cnpg.io/pvcStatus: detached, no longer owned by the Cluster)')
  .action(async (cluster: string, instance: string, o: { timeout: string; keepPvc?: boolean }) =>
    void process.stdout.write(await destroy(connection().conn, cluster, instance, { timeoutMs: parseDuration(o.timeout), keepPvc: o.keepPvc === true, describeKept: kubeKeptPvc })));

program
  .command('certificate')
  .description("create a kubernetes.io/tls Secret NAME with a client certificate for --cnpg-user, signed by the cluster's client CA (for pg_hba cert authentication)")
  .argument('<name>', 'the Secret to create')
  .requiredOption('--cnpg-cluster <cluster>', 'the PostgreSQL Cluster')
  .requiredOption('--cnpg-user <user>', 'the PostgreSQL user (the certificate\'s common name)')
  .option('-o, --output <format>', 'also print the Secret: json or yaml')
  .option('--dry-run', 'print it only (with -o), create nothing')
  .action(async (name: string, o: { cnpgCluster: string; cnpgUser: string; output?: string; dryRun?: boolean }) => {
    const { conn } = connection();
    const access = { getCluster: (n: string) => conn.getCluster(n), getSecret: (n: string) => conn.readSecret(n), createSecret: async (secret: KubeObject) => void (await conn.create(secret)) };
    process.stdout.write(await certificateCommand(access, name, conn.namespace, o));
  });

program
  .command('pgbench')
  .description('create a Job running pgbench against CLUSTER\'s -rw Service as its application user; pgbench\'s own arguments go after --')
  .argument('<cluster>')
  .argument('[args...]', 'arguments for pgbench, after --')
  .option('--job-name <name>', 'name of the Job (default: CLUSTER-pgbench-NNNNNN)')
  .option('--db-name <name>', 'the database pgbench uses', 'app')
  .option('--ttl <seconds>', 'delete the Job this long after it finished (default: kept)')
  .option('--node-selector <label=value>', 'run on nodes with this label (repeatable)', (v: string, p: string[]) => [...p, v], [])
  .option('--dry-run', 'print the Job instead of creating it')
  .action(async (cluster: string, args: string[], o: { jobName?: string; dbName: string; ttl?: string; nodeSelector: string[]; dryRun?: boolean }) => {
    requireDash(args);
    const { conn } = connection();
    const job = pgbenchJob(await conn.getCluster(cluster), args, o);
    process.stdout.write(o.dryRun ? stringify(job) : await conn.create(job));
  });

installGenerateCommand(program, VERSION)
  .action((o) => void process.stdout.write(installGenerate({ ...o, namespace: program.opts<KubeOptions>().namespace })));

const report = program
  .command('report')
  .description('report cluster NAME | operator: a zip of manifests, status, events and (with --logs) logs, secrets redacted, for troubleshooting');
report
  .command('cluster')
  .argument('<cluster>')
  .option('-f, --file <file>', 'the zip to write (default: report_cluster_NAME_YYYYMMDD_hhmmss.zip)')
  .option('-o, --output <format>', 'manifest format: yaml or json', 'yaml')
  .option('-l, --logs', "include the containers' and the operator's logs")
  .option('-t, --timestamps', 'prepend the timestamp the kubelet recorded to each log line')
  .action(async (cluster: string, o: ReportOptions) => void process.stdout.write(await reportCluster(kubeReportSource(connection().conn), cluster, o)));
report
  .command('operator')
  .description("the operator's Deployment, Pods, events, webhook configurations and Service, and its namespace's Secrets (keys only) and ConfigMaps")
  .option('-f, --file <file>', 'the zip to write (default: report_operator_YYYYMMDD_hhmmss.zip)')
  .option('-o, --output <format>', 'manifest format: yaml or json', 'yaml')
  .option('-l, --logs', "include the operator Pods' logs")
  .option('-t, --timestamps', 'prepend the timestamp the kubelet recorded to each log line')
  .action(async (o: ReportOptions) => void process.stdout.write(await reportOperator(kubeOperatorReportSource(connection().conn), o)));

program
  .command('hibernate')
  .description('hibernate on|off CLUSTER: delete every instance Pod keeping PVCs and primary (on), or recreate them (off)')
  .argument('<mode>', 'on or off')
  .argument('<cluster>')
  .action(async (mode: string, cluster: string) => void process.stdout.write(await hibernate(connection().conn, mode, cluster)));

logicalCommands(program, async () => kubeLogicalPlatform(connection().conn, program.opts<KubeOptions>()));

maintenanceCommand(program)
  .action(async (mode: string, cluster: string | undefined, o) => void process.stdout.write(await maintenance(connection().conn, mode, cluster, o)));

program.command('version').action(() => {
  process.stdout.write(`kubectl-cnpg (cnpg-ts) ${VERSION}\n`);
});

runCli(program, () => exitCode, [...process.argv.slice(0, 2), ...installVersionFlag(process.argv.slice(2))]);
