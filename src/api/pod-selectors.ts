// spec.podSelectorRefs: named label selectors whose Pods' addresses a pg_hba line can name as
// `${podselector:NAME}` in its address field. The line stands for one line per address, each a
// host CIDR (/32, /128); with no matching Pod it stands for none. Pure: matching, expansion and the
// checks an apply runs; which Pods exist is the platform's to say.
import { isIP } from 'node:net';
import { z } from 'zod';
import { nonEmptyString, stringMap } from './common.js';

const labelSelectorRequirement = z.strictObject({
  key: nonEmptyString,
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
}).superRefine((req, ctx) => {
  const listed = (req.values ?? []).length > 0;
  if ((req.operator === 'In' || req.operator === 'NotIn') && !listed) ctx.addIssue({ code: 'custom', path: ['values'], message: `must list at least one value for operator ${req.operator}` });
  if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && listed) ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty for operator ${req.operator}` });
});

export const labelSelectorSchema = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
});

export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const podSelectorRefSchema = z.strictObject({
  name: z.string().regex(/^[a-z]([a-z0-9_-]*[a-z0-9])?$/, 'must start with a lowercase letter and hold only lowercase letters, digits, _ and - (not last)'),
  selector: labelSelectorSchema,
});

export type PodSelectorRef = z.infer<typeof podSelectorRefSchema>;

/** status.podSelectorRefs: each selector's Pod addresses, sorted. */
export interface PodSelectorRefStatus {
  name: string;
  ips?: string[];
}

/** `${TYPE:NAME}` anywhere in a line; podselector is the only type there is. */
const REFERENCE = /\$\{([^:}]+):([^}]+)\}/g;

/** For the syntax check of a line: a reference stands where an address would. */
export function withReferencesAsAddresses(line: string): string {
  return line.replace(REFERENCE, '192.0.2.1/32');
}

/** What is wrong with a line's references, given the selectors the Cluster names; undefined when nothing. */
export function hbaReferenceProblem(line: string, known: ReadonlySet<string>): string | undefined {
  const found = [...line.matchAll(REFERENCE)];
  for (const [, type, name] of found) {
    if (type !== 'podselector') return `unknown reference type "${type}": only \${podselector:NAME} is known`;
    if (!known.has(name ?? '')) return `\${podselector:${name}} names no entry of spec.podSelectorRefs${known.size > 0 ? ` (defined: ${[...known].join(', ')})` : ''}`;
  }
  if (found.length > 1) return 'at most one ${podselector:NAME} reference is allowed per line';
  return undefined;
}

/** A Pod address as a host CIDR: /32 for IPv4, /128 for IPv6. */
function hostCidr(ip: string): string {
  return `${ip}/${isIP(ip) === 6 ? 128 : 32}`;
}

/**
 * pg_hba lines with each `${podselector:NAME}` line repeated once per address of NAME's Pods; a
 * selector not resolved yet (or an unknown one, which an apply refuses) leaves the line out as a
 * comment saying why, so nothing it would let in is let in by accident.
 */
export function expandPodSelectors(lines: readonly string[], resolved: readonly PodSelectorRefStatus[] | undefined): string[] {
  const ips = new Map((resolved ?? []).map((r) => [r.name, r.ips ?? []]));
  return lines.flatMap((line) => {
    const match = /\$\{([^:}]+):([^}]+)\}/.exec(line);
    if (!match) return [line];
    const addresses = match[1] === 'podselector' ? ips.get(match[2] ?? '') : undefined;
    if (!addresses) return [`# ${line} # not expanded: ${match[1] === 'podselector' ? `pod selector ${match[2]} not resolved` : `unknown reference type ${match[1]}`}`];
    return addresses.map((ip) => line.slice(0, match.index) + hostCidr(ip) + line.slice(match.index + match[0].length));
  });
}

/** Whether a label set is selected, as Kubernetes matches a LabelSelector (an empty one selects everything). */
export function matchesLabelSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A Pod as the selectors see it: its labels and addresses. */
export interface PodAddresses {
  labels: Record<string, string>;
  ips: string[];
}

/** Each selector's addresses from the Pods of the Cluster's namespace (CloudNativePG's status.podSelectorRefs). */
export function resolvePodSelectors(refs: readonly PodSelectorRef[], pods: readonly PodAddresses[]): PodSelectorRefStatus[] {
  return refs.map((ref) => {
    const ips = [...new Set(pods.filter((p) => matchesLabelSelector(p.labels, ref.selector)).flatMap((p) => p.ips))].sort();
    return ips.length > 0 ? { name: ref.name, ips } : { name: ref.name };
  });
}
