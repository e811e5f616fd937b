// `delete`, `patch`, `annotate`, `label` and `wait`.
import { msg } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import { MAX_YAML_DEPTH, nestedDeeperThan } from '../../api/yaml-bounds.js';
import { CliError, type DaemonClient } from '../client.js';
import { qualifiedName, resolveKind, resolveTargets } from '../resources.js';
import { decodeDocuments, readManifest } from './apply.js';
import { parseWaitFor, refuseUnknownCondition, waitSatisfied } from './wait-for.js';
import { setTimeout as sleep } from 'node:timers/promises';

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new CliError(`error: invalid duration "${text}" (use e.g. 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

export interface DeleteOptions {
  namespace?: string;
  filename?: string;
  wait: boolean;
  timeout?: string;
  ignoreNotFound?: boolean;
}

export async function deleteCommand(client: DaemonClient, args: string[], opts: DeleteOptions): Promise<void> {
  let targets: Array<{ kind: string; name: string; namespace?: string; label: string }>;
  if (opts.filename) {
    const docs = decodeDocuments(readManifest(opts.filename));
    if (!docs) throw new CliError(`error: ${opts.filename} is not a manifest the operator can read; \`cnpg apply --dry-run=client -f ${opts.filename}\` says where and why`);
    targets = docs
      .map((d) => d as KubeObject | null)
      .filter((o): o is KubeObject => Boolean(o?.kind && o.metadata?.name))
      .map((o) => {
        const info = resolveKind(o.kind);
        return { kind: info.kind, name: o.metadata.name, namespace: info.namespaced ? (o.metadata.namespace ?? opts.namespace ?? 'default') : undefined, label: qualifiedName(info, o.metadata.name) };
      });
  } else {
    targets = resolveTargets(args).map((t) => {
      if (!t.name) throw new CliError('error: resource(s) were provided, but no name was specified');
      return { kind: t.info.kind, name: t.name, namespace: t.info.namespaced ? (opts.namespace ?? 'default') : undefined, label: qualifiedName(t.info, t.name) };
    });
  }
  const deadline = Date.now() + parseDuration(opts.timeout ?? '300s');
  for (const t of targets) {
    try {
      await client.request('POST', '/delete', { kind: t.kind, namespace: t.namespace, name: t.name }, undefined, Math.max(1000, deadline - Date.now()));
    } catch (e) {
      if (opts.ignoreNotFound && /not found/.test((e as Error).message)) continue;
      throw e;
    }
    process.stdout.write(`${t.label} deleted\n`);
    // A Cluster disappears once its instances are gone; kubectl waits for that by default.
    if (opts.wait && t.kind === 'Cluster') {
      while (await client.tryGet(t.kind, t.namespace, t.name)) {
        if (Date.now() > deadline) throw new CliError(`error: timed out waiting for ${t.label} to be deleted`);
        await sleep(200);
      }
    }
  }
}

export async function patchCommand(client: DaemonClient, args: string[], opts: { namespace?: string; type: string; patch?: string }): Promise<void> {
  if (opts.type !== 'merge') throw new CliError(`error: --type ${opts.type} is not supported yet; use --type merge`);
  if (!opts.patch) throw new CliError('error: must specify -p to patch');
  let patch: unknown;
  try {
    patch = JSON.parse(opts.patch);
  } catch (e) {
    throw new CliError(`error: unable to parse "${opts.patch}": ${(e as Error).message}`);
  }
  const [t] = resolveTargets(args);
  if (!t?.name) throw new CliError('error: resource name may not be empty');
  if (nestedDeeperThan(patch)) throw new CliError(`error: ${t.info.kind}/${t.name}: ${msg.patchTooDeep(MAX_YAML_DEPTH)}`);
  const ns = t.info.namespaced ? (opts.namespace ?? 'default') : undefined;
  const r = await patchObject(client, t.info.kind, ns, t.name, patch);
  process.stdout.write(`${qualifiedName(t.info, t.name)} ${r.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`);
}

/** A merge patch through the operator, printing its warnings as apply prints them. */
export async function patchObject(client: DaemonClient, kind: string, namespace: string | undefined, name: string, patch: unknown): Promise<{ action: string }> {
  const r = await client.request<{ action: string; warnings?: string[] }>('POST', '/patch', { kind, namespace, name }, { patch });
  for (const w of r.warnings ?? []) process.stderr.write(`Warning: ${w}\n`);
  return r;
}

/** `annotate`/`label`: KEY=VALUE sets, KEY- removes; an existing different value needs --overwrite. */
export async function metadataCommand(
  client: DaemonClient,
  field: 'annotations' | 'labels',
  args: string[],
  opts: { namespace?: string; overwrite?: boolean },
): Promise<void> {
  const pairs = args.filter((a) => a.includes('=') || a.endsWith('-'));
  const resources = args.filter((a) => !pairs.includes(a));
  const [t] = resolveTargets(resources);
  if (!t?.name) throw new CliError(`error: one or more resources must be specified as <resource> <name> or <resource>/<name>`);
  if (pairs.length === 0) throw new CliError(`error: at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
  const ns = t.info.namespaced ? (opts.namespace ?? 'default') : undefined;
  const current = (await client.get(t.info.kind, ns, t.name)).metadata[field] ?? {};
  const changes: Record<string, string | null> = {};
  for (const p of pairs) {
    if (p.endsWith('-') && !p.includes('=')) {
      changes[p.slice(0, -1)] = null;
      continue;
    }
    const i = p.indexOf('=');
    const key = p.slice(0, i);
    const value = p.slice(i + 1);
    if (current[key] !== undefined && current[key] !== value && !opts.overwrite) {
      throw new CliError(`error: ${field === 'labels' ? "'" + key + "' already has a value (" + current[key] + ')' : `--overwrite is false but found the following declared annotation(s): '${key}' already has a value (${current[key]})`}, and --overwrite is false`);
    }
    changes[key] = value;
  }
  await patchObject(client, t.info.kind, ns, t.name, { metadata: { [field]: changes } });
  process.stdout.write(`${qualifiedName(t.info, t.name)} ${field === 'labels' ? 'labeled' : 'annotated'}\n`);
}

export async function waitCommand(client: DaemonClient, args: string[], opts: { namespace?: string; for: string; timeout?: string }): Promise<void> {
  const deadline = Date.now() + parseDuration(opts.timeout ?? '30s');
  const wanted = parseWaitFor(opts.for);
  for (const t of resolveTargets(args)) {
    if (!t.name) throw new CliError('error: resource name may not be empty');
    const ns = t.info.namespaced ? (opts.namespace ?? 'default') : undefined;
    refuseUnknownCondition(t.info.kind, wanted);
    for (;;) {
      const obj = await client.tryGet(t.info.kind, ns, t.name);
      if (wanted.kind === 'delete' && !obj) break;
      if (wanted.kind !== 'delete' && wanted.kind !== 'create' && !obj) throw new CliError(`Error from server (NotFound): ${t.info.plural} "${t.name}" not found`);
      if (obj && waitSatisfied(obj, wanted)) break;
      if (Date.now() > deadline) throw new CliError(`error: timed out waiting for the condition on ${t.info.plural}/${t.name}`);
      await sleep(100);
    }
    process.stdout.write(`${qualifiedName(t.info, t.name)} condition met\n`);
  }
}
