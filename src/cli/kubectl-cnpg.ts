#!/usr/bin/env node
// `kubectl cnpg …`: the plugin's commands against the Kubernetes cluster of the current kubeconfig
// context. kubectl finds this program on PATH by its name and passes the arguments through.
import { Command } from 'commander';
import { runCli } from './client.js';
import { withBackupOptions } from './commands/backup.js';
import { KubeConnection, type KubeOptions } from './kube/connection.js';
import { fencing, promote, reload, restart } from './commands/ha.js';
import { poolerPause } from './commands/pooler.js';
import { hibernate } from './commands/hibernate.js';
import { maintenance } from './commands/maintenance.js';
import { kubeBackup, kubePsql, kubeStatus } from './kube/commands.js';

const VERSION = '0.1.0';
let exitCode = 0;

const program = new Command('kubectl-cnpg')
  .description('The cnpg-ts kubectl plugin: status, promote, fencing, restart, reload, backup and psql for PostgreSQL Clusters on Kubernetes.')
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
  .option('-v, --verbose', 'more detail (repeatable)', (_v, p: number) => p + 1, 0)
  .action((cluster: string, o) => kubeStatus(connection().conn, cluster, o));

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

withBackupOptions(program.command('backup'))
  .description('take an on-demand base backup of CLUSTER (creates a Backup)')
  .argument('<cluster>')
  .action((cluster: string, o) => kubeBackup(connection().conn, cluster, o));

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
  .command('hibernate')
  .description('hibernate on|off CLUSTER: delete every instance Pod keeping PVCs and primary (on), or recreate them (off)')
  .argument('<mode>', 'on or off')
  .argument('<cluster>')
  .action(async (mode: string, cluster: string) => void process.stdout.write(await hibernate(connection().conn, mode, cluster)));

program
  .command('maintenance')
  .description('maintenance set|unset [CLUSTER]: set or clear spec.nodeMaintenanceWindow.inProgress on CLUSTER, every Cluster of the namespace, or of all (-A)')
  .argument('<mode>', 'set or unset')
  .argument('[cluster]')
  .option('-A, --all-namespaces', 'every Cluster of every namespace')
  .option('--reusePVC', 'set nodeMaintenanceWindow.reusePVC to true (default false, as the reference plugin)')
  .option('-y, --yes', 'ask for confirmation before proceeding (the reference plugin\'s meaning of this flag)')
  .action(async (mode: string, cluster: string | undefined, o) => void process.stdout.write(await maintenance(connection().conn, mode, cluster, o)));

program.command('version').action(() => {
  process.stdout.write(`kubectl-cnpg (cnpg-ts) ${VERSION}\n`);
});

runCli(program, () => exitCode);
