// kubectl describe's rendering of arbitrary object content (printUnstructuredContent): fields in
// sorted order, labelled "Creation Timestamp" style, maps indented by two spaces, list items
// printed one after the other at the next level, scalars as Go's %v.

import { compareBytes, goScalar, isPlainObject } from './go-values.js';

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/** fatih/camelcase.Split: runs of lower, upper, digit, other; "PDFLoader" → PDF, Loader. */
export function splitCamelCase(s: string): string[] {
  const classOf = (c: string): number => (/\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{Nd}/u.test(c) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const c of s) {
    const cls = classOf(c);
    if (cls === last && runs.length > 0) runs[runs.length - 1]?.push(c);
    else runs.push([c]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] ?? [];
    const nxt = runs[i + 1] ?? [];
    if (cur.length > 0 && /\p{Lu}/u.test(cur[0] ?? '') && /\p{Ll}/u.test(nxt[0] ?? '')) {
      nxt.unshift(cur.pop() ?? '');
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** kubectl's smartLabelFor: "readyInstances" → "Ready Instances", "apiVersion" → "API Version". */
export function smartLabel(field: string): string {
  if ([...field].some((c) => !/\p{L}/u.test(c) && c !== '-')) return field;
  return splitCamelCase(field)
    .filter((part) => part !== '_')
    .map((part) => (ACRONYMS.has(part.toUpperCase()) ? part.toUpperCase() : part.charAt(0).toUpperCase() + part.slice(1)))
    .join(' ');
}

/** Tab-separated describe lines for a map, skipping the given dotted paths (".metadata.name"). */
export function unstructuredLines(content: Record<string, unknown>, level: number, skip: ReadonlySet<string>, prefix = ''): string[] {
  const indent = '  '.repeat(level);
  const lines: string[] = [];
  for (const field of Object.keys(content).sort(compareBytes)) {
    const path = `${prefix}.${field}`;
    if (skip.has(path)) continue;
    const value = content[field];
    if (value === undefined) continue;
    if (isPlainObject(value)) {
      lines.push(`${indent}${smartLabel(field)}:`);
      lines.push(...unstructuredLines(value, level + 1, skip, path));
    } else if (Array.isArray(value)) {
      lines.push(`${indent}${smartLabel(field)}:`);
      for (const item of value) {
        if (isPlainObject(item)) lines.push(...unstructuredLines(item, level + 1, skip, path));
        else lines.push(`${indent}  ${goScalar(item)}`);
      }
    } else {
      lines.push(`${indent}${smartLabel(field)}:\t${goScalar(value)}`);
    }
  }
  return lines;
}

const MAX_ANNOTATION_LEN = 140;
const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** "Labels:\tk=v" then "\tk2=v2" lines, or "<none>". */
export function labelLines(title: string, labels: Record<string, string> | undefined): string[] {
  const keys = Object.keys(labels ?? {}).sort(compareBytes);
  if (keys.length === 0) return [`${title}:\t<none>`];
  return keys.map((k, i) => `${i === 0 ? `${title}:` : ''}\t${k}=${labels?.[k] ?? ''}`);
}

/** "Annotations:\tk: v"; long or multi-line values go on their own indented lines. */
export function annotationLines(title: string, annotations: Record<string, string> | undefined): string[] {
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIPPED_ANNOTATIONS.has(k))
    .sort(compareBytes);
  if (keys.length === 0) return [`${title}:\t<none>`];
  const lines: string[] = [];
  keys.forEach((k, i) => {
    const head = i === 0 ? `${title}:` : '';
    const value = (annotations?.[k] ?? '').replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      lines.push(`${head}\t${k}:`);
      for (const s of value.split('\n')) {
        const short = s.length > MAX_ANNOTATION_LEN - 2 ? `${s.slice(0, MAX_ANNOTATION_LEN - 2)}...` : s;
        lines.push(`\t  ${short}`);
      }
    } else {
      lines.push(`${head}\t${k}: ${value}`);
    }
  });
  return lines;
}
