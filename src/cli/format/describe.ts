// `describe`: kubectl's generic describer (used for custom resources such as Cluster) and its
// Secret describer (sizes only, never values), followed by the object's events.

import type { KubeObject } from '../../api/meta.js';
import { formatAge, parseTimestamp } from './age.js';
import { annotationLines, labelLines, unstructuredLines } from './describe-content.js';
import { compareBytes, isPlainObject, toJsonValue } from './go-values.js';
import { tabwrite } from './tabwriter.js';

export interface EventRecord {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  source: string;
  involvedObject: { kind: string; name: string; namespace?: string };
}

/** kubectl describe's tabwriter: no minimum width, two spaces of padding. */
function tabbed(lines: string[]): string {
  return tabwrite(`${lines.join('\n')}\n`, { minWidth: 0, padding: 2 });
}

function eventsFor(obj: KubeObject, events: EventRecord[]): EventRecord[] {
  return events
    .filter(
      (e) =>
        e.involvedObject.kind === obj.kind &&
        e.involvedObject.name === obj.metadata.name &&
        (e.involvedObject.namespace === undefined || obj.metadata.namespace === undefined || e.involvedObject.namespace === obj.metadata.namespace),
    )
    .sort((a, b) => (parseTimestamp(a.lastTimestamp) ?? 0) - (parseTimestamp(b.lastTimestamp) ?? 0));
}

/** The Events table; "Events:\t<none>" joins the block above it, as in kubectl. */
function eventLines(events: EventRecord[], now: Date): string[] {
  const lines = ['Events:', '  Type\tReason\tAge\tFrom\tMessage', '  ----\t------\t----\t----\t-------'];
  for (const e of events) {
    const first = formatAge(e.firstTimestamp, now);
    const age = e.count > 1 ? `${formatAge(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    lines.push(`  ${e.type}\t${e.reason}\t${age}\t${e.source}\t${e.message.trim()}`);
  }
  return lines;
}

function decodedLength(value: string): number {
  return Buffer.from(value, 'base64').length;
}

function describeSecret(obj: KubeObject): string {
  const sizes = new Map<string, number>();
  for (const [k, v] of Object.entries(obj.stringData ?? {})) sizes.set(k, Buffer.byteLength(v, 'utf8'));
  for (const [k, v] of Object.entries(obj.data ?? {})) sizes.set(k, decodedLength(v));
  const lines = [
    `Name:\t${obj.metadata.name}`,
    `Namespace:\t${obj.metadata.namespace ?? ''}`,
    ...labelLines('Labels', obj.metadata.labels),
    ...annotationLines('Annotations', obj.metadata.annotations),
    '',
    `Type:\t${obj.type ?? 'Opaque'}`,
    '',
    'Data',
    '====',
    ...[...sizes.keys()].sort(compareBytes).map((k) => `${k}:\t${sizes.get(k) ?? 0} bytes`),
  ];
  return tabbed(lines);
}

const GENERIC_SKIP = new Set(['.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations', '.metadata.managedFields']);

/** The text of `describe KIND NAME`; events not about this object are ignored. */
export function describeObject(obj: KubeObject, events: EventRecord[], now: Date): string {
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') return describeSecret(obj);
  const content = toJsonValue(obj);
  const head = [
    `Name:\t${obj.metadata.name}`,
    `Namespace:\t${obj.metadata.namespace ?? ''}`,
    ...labelLines('Labels', obj.metadata.labels),
    ...annotationLines('Annotations', obj.metadata.annotations),
    ...(isPlainObject(content) ? unstructuredLines(content, 0, GENERIC_SKIP) : []),
  ];
  const mine = eventsFor(obj, events);
  if (mine.length === 0) return tabbed([...head, 'Events:\t<none>']);
  return tabbed(head) + tabbed(eventLines(mine, now));
}
