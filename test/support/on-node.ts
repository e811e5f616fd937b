// What the end-to-end tests and bench/failover do on a real node (test/support/real-node.ts): install
// the operator with the project's Helm chart, run `kubectl cnpg` (our CLI as a kubectl plugin, the
// way krew installs it), read a Cluster and wait for it, and reach its -rw Service from this process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoredCluster } from '../../src/api/cluster-status.js';
import { LABELS } from '../../src/api/names.js';
import { builtPath } from './build-script.js';
import { buildKubeTestenv } from './controlplane.js';
import { eventually } from './env.js';
import { tunnelInto, type Tunnel } from './netns.js';
import type { RealNode } from './real-node.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PLUGIN = fileURLToPath(new URL('../../src/cli/kubectl-cnpg.js', import.meta.url));
export const CHART = join(REPO, 'charts', 'cnpg-ts');
export const OPERATOR_NAMESPACE = 'cnpg-system';
export const OPERATOR_DEPLOYMENT = 'cnpg-controller-manager';

/** The output of one command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** helm, kubectl and the plugin, found or built once; their scratch folder goes with close(). */
export interface NodeTools {
  readonly helm: string;
  readonly kubectl: string;
  /** PATH with the plugin first, so `kubectl cnpg` finds kubectl-cnpg; KUBECTL for its psql. */
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  close(): void;
}

export async function nodeTools(): Promise<NodeTools> {
  const [helm, kubeBin] = await Promise.all([builtPath(join(REPO, 'scripts', 'build-helm.sh'), ['build']), buildKubeTestenv()]);
  const kubectl = join(kubeBin, 'kubectl');
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-node-tools-'));
  // What the krew archive's launcher does: run the plugin with the Node.js on PATH.
  writeFileSync(join(dir, 'kubectl-cnpg'), `#!/bin/sh\nexec "${process.execPath}" "${PLUGIN}" "$@"\n`, { mode: 0o755 });
  const { KUBECONFIG: _theNodes, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PATH: `${dir}:${dirname(kubectl)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    KUBECTL: kubectl,
    // Helm keeps its repositories and cache out of $HOME.
    HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
    HELM_DATA_HOME: join(dir, 'helm', 'data'),
  };
  return { helm, kubectl, env, dir, close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs inside the node's network namespace with the tools' environment; throws on non-zero. */
export async function ok(node: RealNode, tools: NodeTools, cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await node.run(cmd, args, { ...opts, env: tools.env });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `kubectl cnpg ARGS…`, as a user would type it. */
export function cnpg(node: RealNode, tools: NodeTools, args: string[], timeoutMs = 120_000): Promise<Run> {
  return node.run(tools.kubectl, ['cnpg', ...args], { env: tools.env, timeoutMs });
}

/** The operator image as the chart's image.repository and image.tag. */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  if (at <= image.lastIndexOf('/')) throw new Error(`image ${image} has no tag`);
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

/** `helm upgrade --install --wait` of charts/cnpg-ts with the node's operator image; returns how long it took (ms). */
export async function helmInstallOperator(node: RealNode, tools: NodeTools, image = node.images.operator): Promise<number> {
  const { repository, tag } = splitImage(image);
  const started = performance.now();
  await ok(node, tools, tools.helm, ['upgrade', '--install', 'cnpg', CHART, '-n', OPERATOR_NAMESPACE, '--create-namespace', '--wait', '--timeout', '5m', '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`], { timeoutMs: 330_000 });
  return performance.now() - started;
}

export async function json<T>(node: RealNode, args: string[]): Promise<T> {
  return JSON.parse(await node.kubectl([...args, '-o', 'json'])) as T;
}

export const readCluster = (node: RealNode, name: string, namespace = 'default') => json<StoredCluster>(node, ['get', 'cluster', name, '-n', namespace]);

export interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: Array<{ name: string; image: string; readinessProbe?: unknown; livenessProbe?: unknown; startupProbe?: unknown }>; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>; securityContext?: { runAsUser?: number } };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ name: string; ready: boolean; started?: boolean; restartCount: number }> };
}

export const isReady = (p: PodJson) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export async function clusterPods(node: RealNode, cluster: string, namespace = 'default'): Promise<PodJson[]> {
  return (await json<{ items: PodJson[] }>(node, ['get', 'pods', '-n', namespace, '-l', `${LABELS.cluster}=${cluster},${LABELS.podRole}=instance`])).items;
}

/** `kubectl cnpg status -o json`: what each instance manager reports, through the API server's Pod proxy. */
export interface StatusReport {
  phase?: string;
  instances: number;
  readyInstances: number;
  currentPrimary?: string;
  instancesStatus: Array<{
    name: string;
    isPrimary: boolean;
    ready: boolean;
    error?: string;
    replication?: Array<{ applicationName: string; state: string; syncState: string }>;
    archiving?: { lastArchivedWal?: string; readyWalFiles?: number; failing?: boolean; lastError?: string };
  }>;
}

export async function statusReport(node: RealNode, tools: NodeTools, cluster: string): Promise<StatusReport> {
  const r = await cnpg(node, tools, ['status', cluster, '-o', 'json'], 60_000);
  if (r.code !== 0) throw new Error(`kubectl cnpg status ${cluster}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusReport;
}

/** What keeps the cluster from being whole: one primary, every other instance streaming from it; undefined when nothing. */
export function notWhole(r: StatusReport, instances: number): string | undefined {
  if (r.phase !== 'Cluster in healthy state') return `phase "${r.phase ?? 'none'}"`;
  if (r.readyInstances !== instances) return `${r.readyInstances}/${instances} ready`;
  const primaries = r.instancesStatus.filter((i) => i.isPrimary);
  const primary = primaries[0];
  if (primaries.length !== 1 || !primary) return `${primaries.length} primaries`;
  if (primary.name !== r.currentPrimary) return `the status says ${r.currentPrimary ?? 'none'} is primary, ${primary.name} says it is`;
  for (const i of r.instancesStatus.filter((x) => !x.isPrimary)) {
    if (!primary.replication?.some((s) => s.applicationName === i.name && s.state === 'streaming')) return `${i.name} not streaming from ${primary.name}`;
  }
  return undefined;
}

/** What a person would look at when a wait on the node times out. */
export async function diagnostics(node: RealNode, namespace = 'default'): Promise<string> {
  const parts: string[] = [];
  const add = async (title: string, args: string[], chars = 6000) => {
    const out = await node.kubectl(args, undefined, 20_000).catch((e: Error) => e.message);
    parts.push(`--- ${title}\n${out.slice(-chars)}`);
  };
  await add('pods', ['get', 'pods', '-A', '-o', 'wide']);
  await add('clusters', ['get', 'clusters', '-n', namespace, '-o', 'yaml'], 5000);
  await add('pvc/pv', ['get', 'pvc,pv', '-A']);
  await add('events', ['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp'], 4000);
  await add('operator log', ['logs', '-n', OPERATOR_NAMESPACE, `deploy/${OPERATOR_DEPLOYMENT}`, '--tail=80'], 8000);
  const pods = await clusterPodNames(node, namespace);
  for (const pod of pods) await add(`${pod} log`, ['logs', '-n', namespace, pod, '-c', 'postgres', '--tail=30'], 3000);
  return parts.join('\n');
}

async function clusterPodNames(node: RealNode, namespace: string): Promise<string[]> {
  const out = await node.kubectl(['get', 'pods', '-n', namespace, '-l', LABELS.cluster, '-o', 'jsonpath={.items[*].metadata.name}']).catch(() => '');
  return out.split(/\s+/).filter(Boolean);
}

/** eventually(), and on a timeout the node's state in the error. */
export async function waitOnNode<T>(node: RealNode, what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> {
  return eventually(what, fn, timeoutMs, everyMs).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await diagnostics(node)}`);
  });
}

/** Waits until `cluster` is whole with `instances` ready (and, if given, `primary` checked); returns the report. */
export function waitWhole(node: RealNode, tools: NodeTools, cluster: string, instances: number, primary?: (name: string) => boolean, timeoutMs = 300_000): Promise<StatusReport> {
  let last = 'no report yet';
  return waitOnNode(node, `cluster ${cluster} whole with ${instances} instances`, async () => {
    const r = await statusReport(node, tools, cluster);
    last = notWhole(r, instances) ?? (primary && r.currentPrimary && !primary(r.currentPrimary) ? `primary is ${r.currentPrimary}` : '');
    if (last) throw new Error(last);
    return r;
  }, timeoutMs);
}

/** The app user's URI of `cluster`, pointing at a tunnel to its -rw Service from this process. */
export async function rwConnection(node: RealNode, cluster: string, namespace = 'default'): Promise<{ uri: string; tunnel: Tunnel }> {
  const b64 = await node.kubectl(['get', 'secret', '-n', namespace, `${cluster}-app`, '-o', 'jsonpath={.data.uri}']);
  const clusterIp = (await node.kubectl(['get', 'service', '-n', namespace, `${cluster}-rw`, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const tunnel = await tunnelInto(node.netns, clusterIp, 5432);
  const url = new URL(Buffer.from(b64.trim(), 'base64').toString());
  url.hostname = '127.0.0.1';
  url.port = String(tunnel.port);
  return { uri: url.toString(), tunnel };
}
