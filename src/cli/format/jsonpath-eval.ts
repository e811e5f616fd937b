// Evaluation of parsed JSONPath templates with kubectl's semantics: results come in groups (one
// per {…} or text run, repeated per range iteration); map members are visited in sorted key
// order; a missing key is an error only when missing keys are not allowed.

import { compareBytes, isPlainObject } from './go-values.js';
import type { FilterOp, Segment, Step } from './jsonpath-parser.js';

export interface EvalOptions {
  allowMissingKeys: boolean;
}

/** An evaluation failure; the public API adds the template to the message. */
export class JsonPathEvalError extends Error {}

function iterate(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return Object.keys(value).sort(compareBytes).map((k) => value[k]);
  return undefined;
}

function hasKey(value: unknown, key: string): value is Record<string, unknown> {
  return isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, key);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  return `a ${typeof value}`;
}

function evalField(inputs: unknown[], name: string, opts: EvalOptions): unknown[] {
  if (inputs.length === 0) return [];
  const out = inputs.filter((v) => hasKey(v, name)).map((v) => (v as Record<string, unknown>)[name]);
  if (out.length === 0 && !opts.allowMissingKeys) throw new JsonPathEvalError(`${name} is not found`);
  return out;
}

function evalKey(inputs: unknown[], literal: string, path: string[], opts: EvalOptions): unknown[] {
  const out: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of inputs) {
    if (hasKey(v, literal)) out.push(v[literal]);
    else rest.push(v);
  }
  if (rest.length > 0 && path.length > 1) {
    let cur = rest;
    for (const name of path) cur = evalField(cur, name, { allowMissingKeys: true });
    out.push(...cur);
  }
  if (out.length === 0 && inputs.length > 0 && !opts.allowMissingKeys) {
    throw new JsonPathEvalError(`${literal} is not found`);
  }
  return out;
}

function evalSlice(inputs: unknown[], step: Extract<Step, { kind: 'slice' }>): unknown[] {
  const out: unknown[] = [];
  for (const value of inputs) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) {
      const members = step.star ? iterate(value) : undefined;
      if (members) {
        out.push(...members);
        continue;
      }
      throw new JsonPathEvalError(`${kindOf(value)} is not an array, it cannot be indexed with [${step.star ? '*' : '…'}]`);
    }
    const len = value.length;
    let start = step.start ?? 0;
    if (start < 0) start += len;
    let end = step.end ?? len;
    if (end < 0 || (end === 0 && step.derivedEnd)) end += len;
    if (end === start) continue;
    if (start >= len || start < 0) throw new JsonPathEvalError(`array index out of bounds: index ${start}, length ${len}`);
    if (end > len || end < 0) throw new JsonPathEvalError(`array index out of bounds: index ${end - 1}, length ${len}`);
    if (start > end) throw new JsonPathEvalError(`starting index ${start} is greater than ending index ${end}`);
    const by = step.step ?? 1;
    if (by <= 0) throw new JsonPathEvalError('step must be > 0');
    for (let i = start; i < end; i += by) out.push(value[i]);
  }
  return out;
}

function evalRecursive(inputs: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const value of inputs) {
    const children = iterate(value);
    if (children === undefined || children.length === 0) continue;
    out.push(value, ...evalRecursive(children));
  }
  return out;
}

/** kubectl ignores comparisons between incompatible types: they simply do not match. */
function compare(op: FilterOp, left: unknown, right: unknown): boolean {
  const sameType =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string') ||
    (typeof left === 'boolean' && typeof right === 'boolean');
  if (!sameType) return false;
  if (typeof left === 'boolean') {
    if (op === '==') return left === right;
    if (op === '!=') return left !== right;
    return false;
  }
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '<': return l < r;
    case '>': return l > r;
    case '<=': return l <= r;
    case '>=': return l >= r;
    default: {
      const never: never = op;
      return never;
    }
  }
}

function evalFilter(inputs: unknown[], step: Extract<Step, { kind: 'filter' }>, opts: EvalOptions): unknown[] {
  const out: unknown[] = [];
  for (const value of inputs) {
    const candidates = iterate(value) ?? [value];
    for (const item of candidates) {
      let lefts: unknown[];
      try {
        lefts = evalSteps([item], step.left, opts);
      } catch (err) {
        if (opts.allowMissingKeys) continue;
        throw err;
      }
      if (lefts.length === 0) continue;
      if (lefts.length > 1) throw new JsonPathEvalError('can only compare one element at a time');
      if (step.op === 'exists') {
        out.push(item);
        continue;
      }
      const rights = evalSteps([item], step.right, opts);
      if (rights.length === 0) continue;
      if (rights.length > 1) throw new JsonPathEvalError('can only compare one element at a time');
      if (compare(step.op, lefts[0], rights[0])) out.push(item);
    }
  }
  return out;
}

export function evalSteps(inputs: unknown[], steps: Step[], opts: EvalOptions): unknown[] {
  let cur = inputs;
  for (const step of steps) {
    switch (step.kind) {
      case 'field': cur = evalField(cur, step.name, opts); break;
      case 'key': cur = evalKey(cur, step.literal, step.path, opts); break;
      case 'wildcard': cur = cur.flatMap((v) => iterate(v) ?? []); break;
      case 'recursive': cur = evalRecursive(cur); break;
      case 'slice': cur = evalSlice(cur, step); break;
      case 'filter': cur = evalFilter(cur, step, opts); break;
      case 'union': {
        const base = cur;
        cur = step.branches.flatMap((branch) => evalSteps(base, branch, opts));
        break;
      }
      case 'text': cur = [step.value]; break;
      case 'scalar': cur = cur.map(() => step.value); break;
      default: {
        const never: never = step;
        return never;
      }
    }
  }
  return cur;
}

/** The result groups of a template, in output order. */
export function findResults(segments: Segment[], data: unknown, opts: EvalOptions): unknown[][] {
  const groups: unknown[][] = [];
  for (const seg of segments) {
    if (seg.kind === 'text') groups.push([seg.text]);
    else if (seg.kind === 'expr') groups.push(evalSteps([data], seg.steps, opts));
    else {
      for (const item of evalSteps([data], seg.steps, opts)) groups.push(...findResults(seg.body, item, opts));
    }
  }
  return groups;
}
