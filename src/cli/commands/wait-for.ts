// `wait --for=…`: what is waited for, and the conditions each kind has, so that a misspelt
// condition is refused at once instead of waited on until the timeout.
import type { KubeObject } from '../../api/meta.js';
import { CliError } from '../client.js';
import { evaluateJsonPathTemplate } from '../format/jsonpath.js';

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'create' }
  | { kind: 'condition'; type: string; status: string }
  | { kind: 'jsonpath'; template: string; value?: string };

/** The condition types our objects carry: the operator's on a Cluster, the views' on Pods and the operator Deployment. */
export const CONDITIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Cluster: ['Ready', 'ContinuousArchiving', 'LastBackupSucceeded'],
  Pod: ['Ready'],
  Deployment: ['Available', 'Progressing'],
});

const FORMS = '--for=condition=Ready, --for=condition=Ready=False, --for=delete, --for=create or --for=jsonpath=\'{.status.phase}\'=completed';

export function parseWaitFor(text: string): WaitFor {
  if (text === 'delete' || text === 'create') return { kind: text };
  const condition = /^condition=([^=]+)(?:=(.+))?$/.exec(text);
  if (condition) return { kind: 'condition', type: condition[1] as string, status: condition[2] ?? 'True' };
  const jsonpath = /^jsonpath=(['"]?)(\{.*\})\1(?:=(.*))?$/.exec(text);
  if (jsonpath) return { kind: 'jsonpath', template: jsonpath[2] as string, value: jsonpath[3] };
  throw new CliError(`error: unrecognized condition: "${text}" (use ${FORMS})`);
}

/** A condition the kind never has would be waited on until the timeout: refused instead, naming the ones it has. */
export function refuseUnknownCondition(kind: string, wanted: WaitFor): void {
  if (wanted.kind !== 'condition') return;
  const known = CONDITIONS[kind] ?? [];
  if (known.some((c) => c.toLowerCase() === wanted.type.toLowerCase())) return;
  throw new CliError(
    known.length > 0
      ? `error: ${kind} has no condition "${wanted.type}" (allowed: ${known.join(', ')})`
      : `error: ${kind} has no conditions to wait for (use --for=delete, --for=create or --for=jsonpath='{.status.phase}'=VALUE)`,
  );
}

export function waitSatisfied(obj: KubeObject, wanted: WaitFor): boolean {
  switch (wanted.kind) {
    case 'delete':
      return false;
    case 'create':
      return true;
    case 'condition': {
      const conditions = (obj.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      return conditions.some((c) => c.type.toLowerCase() === wanted.type.toLowerCase() && c.status.toLowerCase() === wanted.status.toLowerCase());
    }
    case 'jsonpath': {
      const value = evaluateJsonPathTemplate(wanted.template, obj);
      return wanted.value === undefined ? value !== '' : value === wanted.value;
    }
    default: {
      const never: never = wanted;
      return never;
    }
  }
}
