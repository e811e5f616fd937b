// `install generate`: the release manifest (releases/cnpg-ts-VERSION.yaml) with the reference
// plugin's options applied: -n (only when given) moves the operator and everything naming its
// namespace, --watch-namespace, --replicas, --image (the default PostgreSQL image),
// --log-field-level/--log-field-timestamp and --control-plane.
import { Option, type Command } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../../api/repo-root.js';
import { hasControlCharacter } from '../../api/control-characters.js';
import { CliError } from '../client.js';

export interface GenerateOptions {
  releaseVersion: string;
  /** Only when given explicitly: the release's own namespace stays otherwise. */
  namespace?: string;
  watchNamespace?: string;
  replicas?: string;
  image?: string;
  logFieldLevel: string;
  logFieldTimestamp: string;
  controlPlane?: boolean;
}

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface Container {
  env?: Array<{ name: string; value?: string }>;
}

interface DeploymentSpec {
  replicas?: number;
  template: { spec: { containers: Container[]; affinity?: Record<string, unknown>; tolerations?: unknown[] } };
}

const CLUSTER_WIDE = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;

/** The flag `install generate` takes the release by, inside this program. */
export const RELEASE_FLAG = '--release-version';

/**
 * The plugin's `install generate --version X`: the program's own --version (print our version)
 * would take it wherever it stands, so after `install generate` it is renamed before parsing.
 */
export function installVersionFlag(args: readonly string[]): string[] {
  const at = args.findIndex((a, i) => a === 'install' && args[i + 1] === 'generate');
  if (at < 0) return [...args];
  return args.map((a, i) => (i <= at + 1 ? a : a === '--version' ? RELEASE_FLAG : a.startsWith('--version=') ? `${RELEASE_FLAG}=${a.slice('--version='.length)}` : a));
}

/** Where this program's copy of the release manifests is: releases/ beside its package.json. */
function installedRoot(): string {
  try {
    return repoRoot();
  } catch {
    throw new CliError('error: the release manifests are not installed with this program (releases/ beside its package.json); install generate needs them');
  }
}

export function releaseFile(version: string, root = installedRoot()): string {
  const file = join(root, 'releases', `cnpg-ts-${version}.yaml`);
  if (!/^\d+\.\d+\.\d+$/.test(version) || !existsSync(file)) {
    const dir = join(root, 'releases');
    const available = existsSync(dir) ? readdirSync(dir).flatMap((f) => /^cnpg-ts-(.+)\.yaml$/.exec(f)?.[1] ?? []) : [];
    throw new CliError(`error: --version: release version ${version} not found (available: ${available.join(', ') || 'none'}; the format is MAJOR.MINOR.PATCH)`);
  }
  return file;
}

function checkOptions(o: GenerateOptions): number | undefined {
  if (o.namespace !== undefined && !DNS_LABEL.test(o.namespace)) throw new CliError(`error: --namespace: "${o.namespace}" is not a namespace name (lower-case letters, digits and "-", at most 63)`);
  for (const ns of o.watchNamespace ? o.watchNamespace.split(',') : []) {
    if (!DNS_LABEL.test(ns)) throw new CliError(`error: --watch-namespace: "${ns}" is not a namespace name (a comma-separated list of them, e.g. team-a,team-b)`);
  }
  if (o.image !== undefined && (o.image === '' || /\s/.test(o.image) || hasControlCharacter(o.image))) throw new CliError(`error: --image: "${o.image}" is not an image reference`);
  for (const [flag, value] of [['--log-field-level', o.logFieldLevel], ['--log-field-timestamp', o.logFieldTimestamp]] as const) {
    if (!FIELD_NAME.test(value)) throw new CliError(`error: ${flag}: "${value}" is not a JSON field name (a letter or "_" first, then letters, digits, "_", "." or "-")`);
  }
  if (o.replicas === undefined) return undefined;
  const replicas = Number(o.replicas);
  if (!/^\d+$/.test(o.replicas) || !Number.isSafeInteger(replicas)) throw new CliError(`error: --replicas: "${o.replicas}" is not a whole number (0 keeps the manifest's)`);
  return replicas === 0 ? undefined : replicas;
}

function setEnv(container: Container, name: string, value: string): void {
  const env = (container.env ??= []);
  const found = env.find((e) => e.name === name);
  if (found) found.value = value;
  else env.push({ name, value });
}

function operatorDeployment(d: Doc, o: GenerateOptions, replicas: number | undefined): void {
  const spec = d.spec as DeploymentSpec;
  const [manager] = spec.template.spec.containers;
  if (!manager) return;
  setEnv(manager, 'LOG_FIELD_LEVEL', o.logFieldLevel);
  setEnv(manager, 'LOG_FIELD_TIMESTAMP', o.logFieldTimestamp);
  if (o.watchNamespace !== undefined) setEnv(manager, 'WATCH_NAMESPACE', o.watchNamespace);
  if (o.image !== undefined) setEnv(manager, 'OPERAND_IMAGE', o.image);
  if (replicas !== undefined) spec.replicas = replicas;
  if (o.controlPlane) {
    const pod = spec.template.spec;
    const affinity = (pod.affinity ??= {}) as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: unknown[] } } };
    const required = ((affinity.nodeAffinity ??= {}).requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    required.nodeSelectorTerms.push({ matchExpressions: [{ key: CONTROL_PLANE, operator: 'Exists' }] });
    (pod.tolerations ??= []).push({ key: CONTROL_PLANE, operator: 'Exists' });
  }
}

function moveNamespace(d: Doc, namespace: string): void {
  if (d.kind === 'Namespace') d.metadata.name = namespace;
  if (!CLUSTER_WIDE.has(d.kind)) d.metadata.namespace = namespace;
  for (const subject of (d.subjects as Array<{ kind?: string; namespace?: string }> | undefined) ?? []) if (subject.kind === 'ServiceAccount') subject.namespace = namespace;
  for (const hook of (d.webhooks as Array<{ clientConfig?: { service?: { namespace?: string } } }> | undefined) ?? []) if (hook.clientConfig?.service) hook.clientConfig.service.namespace = namespace;
  const conversion = (d.spec as { conversion?: { webhook?: { clientConfig?: { service?: { namespace?: string } } } } } | undefined)?.conversion?.webhook?.clientConfig?.service;
  if (conversion) conversion.namespace = namespace;
}

export function generateInstallManifest(text: string, o: GenerateOptions): string {
  const replicas = checkOptions(o);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Doc | null).filter((d): d is Doc => d !== null && typeof d === 'object' && typeof d.kind === 'string');
  for (const d of docs) {
    if (o.namespace !== undefined) moveNamespace(d, o.namespace);
    if (d.kind === 'Deployment') operatorDeployment(d, o, replicas);
  }
  return docs.map((d) => `${stringify(d)}---\n`).join('');
}

export function installGenerate(o: GenerateOptions): string {
  checkOptions(o);
  return generateInstallManifest(readFileSync(releaseFile(o.releaseVersion), 'utf8'), o);
}

/** `install generate` with the reference plugin's options, for both CLIs; each adds its namespace option and action. */
export function installGenerateCommand(program: Command, version: string): Command {
  return program
    .command('install')
    .description('installation-related commands')
    .command('generate')
    .description("print the operator's release manifest for Kubernetes, with these options applied")
    .addOption(new Option(`${RELEASE_FLAG} <version>`, 'the release to print (MAJOR.MINOR.PATCH); given as --version').default(version).hideHelp())
    .addHelpText('after', `\n  --version <version>  the release to print (MAJOR.MINOR.PATCH, default ${version})`)
    .option('--watch-namespace <namespaces>', 'only watch these namespaces (comma-separated; default: all)')
    .option('--replicas <n>', "operator replicas (0 keeps the manifest's, normally 1)")
    .option('--image <image>', 'the PostgreSQL (operand) image Clusters naming none run')
    .option('--log-field-level <field>', 'JSON log field for the severity', 'level')
    .option('--log-field-timestamp <field>', 'JSON log field for the timestamp', 'ts')
    .option('--control-plane', 'tolerate and require nodes with node-role.kubernetes.io/control-plane');
}

