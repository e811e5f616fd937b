// `maintenance set|unset [CLUSTER] [-A] [--reusePVC] [-y]`, once for both CLIs, as the reference
// plugin has it: sets spec.nodeMaintenanceWindow {inProgress, reusePVC} on one Cluster, on every
// Cluster of the namespace (no CLUSTER), or of all namespaces (-A). It prints the table of old and
// new values first; -y/--yes, as in the reference, asks for confirmation before writing.
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { StoredCluster } from '../../api/cluster-status.js';
import { CliError, type DaemonClient } from '../client.js';
import { patchObject } from './mutate.js';

/** What the command needs of a platform: the Clusters it names, and a merge patch of one's spec. */
export interface MaintenanceAccess {
  /** One Cluster of the current namespace; throws when it does not exist. */
  getCluster(name: string): Promise<StoredCluster>;
  /** Every Cluster of the current namespace, or of all of them. */
  listClusters(allNamespaces: boolean): Promise<StoredCluster[]>;
  patchClusterSpec(namespace: string | undefined, name: string, spec: Record<string, unknown>): Promise<void>;
}

/** The local daemon as MaintenanceAccess; `namespace` is the current one. */
export function daemonMaintenanceAccess(client: DaemonClient, namespace = 'default'): MaintenanceAccess {
  return {
    getCluster: async (name) => (await client.get('Cluster', namespace, name)) as StoredCluster,
    listClusters: async (all) => (await client.list('Cluster', all ? undefined : namespace)) as StoredCluster[],
    patchClusterSpec: async (ns, name, spec) => void (await patchObject(client, 'Cluster', ns, name, { spec })),
  };
}

export interface MaintenanceOptions {
  allNamespaces?: boolean;
  reusePVC?: boolean;
  yes?: boolean;
}

/** reusePVC defaults to true in the API: a Cluster that names no window reuses its volumes. */
function current(c: StoredCluster): { inProgress: boolean; reusePVC: boolean } {
  const w = c.spec.nodeMaintenanceWindow;
  return { inProgress: w?.inProgress ?? false, reusePVC: w?.reusePVC ?? true };
}

export function maintenanceTable(clusters: StoredCluster[], inProgress: boolean, reusePVC: boolean): string {
  const rows = [
    ['Namespace', 'Cluster Name', 'Maintenance', 'reusePVC'],
    ...clusters.map((c) => {
      const now = current(c);
      return [c.metadata.namespace ?? 'default', c.metadata.name, `${now.inProgress} => ${inProgress}`, `${now.reusePVC} => ${reusePVC}`];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return `The following are the new values for the clusters\n${lines.join('\n')}\n`;
}

/** The reference plugin's question, answered on stdin. */
async function confirmed(): Promise<boolean> {
  process.stdout.write('Do you want to proceed? [y/n]: ');
  const rl = createInterface({ input: process.stdin });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return ['y', 'yes'].includes(answer.trim().toLowerCase());
  } finally {
    rl.close();
  }
}

/** The terminal, or a test's stand-in for it. */
export interface Prompt {
  print(text: string): void;
  confirm(): Promise<boolean>;
}

const terminal: Prompt = { print: (text) => void process.stdout.write(text), confirm: confirmed };

export async function maintenance(access: MaintenanceAccess, mode: string, cluster: string | undefined, o: MaintenanceOptions, prompt: Prompt = terminal): Promise<string> {
  if (mode !== 'set' && mode !== 'unset') throw new CliError(`error: maintenance takes "set" or "unset", got "${mode}"`);
  if (cluster !== undefined && o.allNamespaces) throw new CliError(`error: can not specify --all-namespaces and a cluster: ${cluster}`);
  const clusters = cluster !== undefined ? [await access.getCluster(cluster)] : await access.listClusters(o.allNamespaces ?? false);
  if (clusters.length === 0) throw new CliError('error: no cluster could be listed or no permission to list clusters');
  const inProgress = mode === 'set';
  const reusePVC = o.reusePVC ?? false;
  prompt.print(maintenanceTable(clusters, inProgress, reusePVC));
  if (o.yes && !(await prompt.confirm())) return '';
  for (const c of clusters) {
    try {
      await access.patchClusterSpec(c.metadata.namespace, c.metadata.name, { nodeMaintenanceWindow: { inProgress, reusePVC } });
    } catch (e) {
      throw new CliError(`error: unable to set progress to cluster ${c.metadata.name} in namespace ${c.metadata.namespace ?? 'default'}: ${(e as Error).message}`);
    }
  }
  return '';
}

/** `maintenance set|unset [CLUSTER]` with the reference plugin's flags, for both CLIs; each adds its namespace option and action. */
export function maintenanceCommand(program: Command): Command {
  return program
    .command('maintenance')
    .description('maintenance set|unset [CLUSTER]: set or clear spec.nodeMaintenanceWindow.inProgress on CLUSTER, every Cluster of the namespace, or of all (-A)')
    .argument('<mode>', 'set or unset')
    .argument('[cluster]')
    .option('-A, --all-namespaces', 'every Cluster of every namespace')
    .option('--reusePVC', 'set nodeMaintenanceWindow.reusePVC to true (default false, as the reference plugin)')
    .option('-y, --yes', "ask for confirmation before proceeding (the reference plugin's meaning of this flag)");
}

