// `get` and `describe`, printed the way kubectl prints them.
import type { KubeObject } from '../../api/meta.js';
import { pick } from '../format/columns.js';
import { describeObject, type EventRecord } from '../format/describe.js';
import { formatOutput } from '../format/output.js';
import { noResourcesMessage, printTable } from '../format/printers.js';
import { matchesFieldSelector, matchesLabelSelector, parseFieldSelector, parseLabelSelector } from '../format/selector.js';
import { CliError, type DaemonClient } from '../client.js';
import { resolveTargets, type KindInfo } from '../resources.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  selector?: string;
  fieldSelector?: string;
  watch?: boolean;
  noHeaders?: boolean;
}

async function fetchObjects(client: DaemonClient, targets: Array<{ info: KindInfo; name?: string }>, opts: GetOptions): Promise<KubeObject[]> {
  const selector = opts.selector ? parseLabelSelector(opts.selector) : undefined;
  const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
  const out: KubeObject[] = [];
  for (const t of targets) {
    const ns = t.info.namespaced ? (opts.allNamespaces ? undefined : (opts.namespace ?? 'default')) : undefined;
    if (t.name) out.push(await client.get(t.info.kind, ns, t.name));
    else {
      const found = (await client.list(t.info.kind, ns)).filter((o) => (!selector || matchesLabelSelector(o.metadata.labels, selector)) && (!fields || matchesFieldSelector(o, fields)));
      out.push(...(t.info.kind === 'Event' ? found.sort(byLastSeen) : found));
    }
  }
  return out;
}

// Events print oldest first, so the newest is the last line as with `kubectl get events --sort-by=.lastTimestamp`.
function byLastSeen(a: KubeObject, b: KubeObject): number {
  return String(pick(a, 'lastTimestamp') ?? '').localeCompare(String(pick(b, 'lastTimestamp') ?? ''));
}

function render(objects: KubeObject[], single: boolean, opts: GetOptions): string {
  const format = opts.output;
  if (format && format !== 'wide') {
    const target = single && objects.length === 1 ? (objects[0] as KubeObject) : { apiVersion: 'v1' as const, kind: 'List' as const, items: objects };
    const text = formatOutput(target, format, { noHeaders: opts.noHeaders, now: new Date() });
    return text.endsWith('\n') || text === '' ? text : text;
  }
  return printTable(objects, { wide: format === 'wide', noHeaders: opts.noHeaders, showNamespace: opts.allNamespaces, now: new Date() });
}

export async function getCommand(client: DaemonClient, args: string[], opts: GetOptions): Promise<void> {
  const targets = resolveTargets(args);
  const single = targets.length === 1 && targets[0]?.name !== undefined;
  const objects = await fetchObjects(client, targets, opts);
  const text = render(objects, single, opts);
  if (objects.length === 0 && !opts.output?.startsWith('json') && opts.output !== 'yaml') {
    process.stderr.write(noResourcesMessage(targets[0]?.info.namespaced && !opts.allNamespaces ? (opts.namespace ?? 'default') : undefined) + '\n');
  } else {
    process.stdout.write(text);
  }
  if (!opts.watch) return;
  // kubectl streams changes; polling once a second gives the same view without a watch API.
  let previous = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, JSON.stringify(rowKey(o))]));
  for (;;) {
    await sleep(1000);
    const now = await fetchObjects(client, targets, opts);
    const current = new Map(now.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, JSON.stringify(rowKey(o))]));
    const changed = now.filter((o) => previous.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`) !== current.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
    if (changed.length > 0) process.stdout.write(render(changed, false, { ...opts, noHeaders: true }));
    previous = current;
  }
}

function rowKey(o: KubeObject): unknown {
  return { labels: o.metadata.labels, status: o.status, spec: o.spec, data: o.data, count: pick(o, 'count'), lastTimestamp: pick(o, 'lastTimestamp') };
}

export async function describeCommand(client: DaemonClient, args: string[], opts: GetOptions): Promise<void> {
  const targets = resolveTargets(args);
  const objects = await fetchObjects(client, targets, opts);
  if (objects.length === 0) throw new CliError(noResourcesMessage(opts.namespace ?? 'default'));
  const texts: string[] = [];
  for (const obj of objects) {
    const events = obj.kind === 'Event' ? [] : await client
      .request<{ items: EventRecord[] }>('GET', '/events', { namespace: obj.metadata.namespace ?? 'default', kind: obj.kind, name: obj.metadata.name })
      .then((r) => r.items);
    texts.push(describeObject(obj, events, new Date()));
  }
  process.stdout.write(texts.join('\n\n'));
}
