// Label selectors (`-l`) and field selectors (`--field-selector`) with Kubernetes' syntax:
//   env=prod, tier!=cache, role in (primary,replica), zone notin (a), cnpg.io/cluster, !legacy, size>3
//   metadata.name=x, metadata.namespace!=kube-system, status.phase==Running

import { SelectorError } from './errors.js';
import { isPlainObject } from './go-values.js';

export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export interface LabelSelector {
  requirements: LabelRequirement[];
}

const NAME_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Token = { kind: 'word' | 'op' | '(' | ')' | ',' | 'end'; text: string; pos: number };

function tokenize(s: string, fail: (msg: string, pos: number, hint?: string) => never): Token[] {
  const tokens: Token[] = [];
  let p = 0;
  while (p < s.length) {
    const c = s[p] ?? '';
    if (/\s/.test(c)) {
      p++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, pos: p });
      p++;
    } else if (s.startsWith('==', p) || s.startsWith('!=', p)) {
      tokens.push({ kind: 'op', text: s.slice(p, p + 2), pos: p });
      p += 2;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, pos: p });
      p++;
    } else {
      const m = /^[^\s(),=!<>]+/.exec(s.slice(p));
      if (!m) fail(`unexpected character ${JSON.stringify(c)}`, p);
      tokens.push({ kind: 'word', text: m[0], pos: p });
      p += m[0].length;
    }
  }
  tokens.push({ kind: 'end', text: '', pos: s.length });
  return tokens;
}

function validateKey(key: string, pos: number, fail: (msg: string, pos: number, hint?: string) => never): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const hint = 'keys look like "app", "cnpg.io/cluster": up to 63 letters, digits, "-", "_", "." with an optional DNS prefix';
  if (name === '' || name.length > 63 || !NAME_RE.test(name)) fail(`invalid label key ${JSON.stringify(key)}`, pos, hint);
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) {
    fail(`invalid label key prefix ${JSON.stringify(prefix)}`, pos, hint);
  }
}

function validateValue(value: string, pos: number, fail: (msg: string, pos: number, hint?: string) => never): void {
  if (value.length > 63 || !NAME_RE.test(value)) {
    fail(`invalid label value ${JSON.stringify(value)}`, pos, 'values are up to 63 letters, digits, "-", "_", "." starting and ending alphanumeric');
  }
}

/** Parses a label selector; the empty selector matches everything. */
export function parseLabelSelector(s: string): LabelSelector {
  const fail = (msg: string, pos: number, hint?: string): never => {
    throw new SelectorError(`invalid label selector ${JSON.stringify(s)}: ${msg} at position ${pos}`, hint);
  };
  const tokens = tokenize(s, fail);
  let i = 0;
  const peek = (): Token => tokens[i] ?? { kind: 'end', text: '', pos: s.length };
  const next = (): Token => {
    const t = peek();
    i++;
    return t;
  };
  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return { requirements };

  for (;;) {
    let t = next();
    if (t.kind === 'op' && t.text === '!') {
      const k = next();
      if (k.kind !== 'word') fail('expected a label key after "!"', k.pos);
      validateKey(k.text, k.pos, fail);
      requirements.push({ key: k.text, op: 'notexists' });
    } else {
      if (t.kind !== 'word') fail(`expected a label key, found ${t.kind === 'end' ? 'the end' : JSON.stringify(t.text)}`, t.pos);
      const key = t.text;
      validateKey(key, t.pos, fail);
      const opTok = peek();
      if (opTok.kind === ',' || opTok.kind === 'end') {
        requirements.push({ key, op: 'exists' });
      } else if (opTok.kind === 'word' && (opTok.text === 'in' || opTok.text === 'notin')) {
        next();
        const open = next();
        if (open.kind !== '(') fail(`expected "(" after "${opTok.text}"`, open.pos, `write ${key} ${opTok.text} (a,b)`);
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (v.kind === ')' && values.length === 0) fail(`"${opTok.text}" needs at least one value`, v.pos);
          if (v.kind !== 'word') fail(`expected a value in the list of "${key}"`, v.pos);
          validateValue(v.text, v.pos, fail);
          values.push(v.text);
          const sep = next();
          if (sep.kind === ')') break;
          if (sep.kind !== ',') fail(`expected "," or ")" after value ${JSON.stringify(v.text)}`, sep.pos, `close the list: ${key} ${opTok.text} (${values.join(',')})`);
        }
        requirements.push({ key, op: opTok.text, values });
      } else if (opTok.kind === 'op' && opTok.text !== '!') {
        next();
        const v = peek();
        const value = v.kind === 'word' ? (next(), v.text) : '';
        if (opTok.text === '<' || opTok.text === '>') {
          if (!/^-?\d+$/.test(value)) fail(`"${opTok.text}" needs a whole number, found ${JSON.stringify(value)}`, v.pos);
          requirements.push({ key, op: opTok.text === '<' ? 'lt' : 'gt', value: Number(value) });
        } else {
          validateValue(value, v.pos, fail);
          requirements.push({ key, op: opTok.text === '!=' ? 'neq' : 'eq', value });
        }
      } else {
        fail(`expected "=", "==", "!=", "in", "notin", "," or the end after key ${JSON.stringify(key)}`, opTok.pos);
      }
    }
    t = next();
    if (t.kind === 'end') return { requirements };
    if (t.kind !== ',') fail(`expected "," between requirements, found ${JSON.stringify(t.text)}`, t.pos);
  }
}

export function matchesLabelSelector(labels: Record<string, string> | undefined, sel: LabelSelector): boolean {
  const l = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists': return has;
      case 'notexists': return !has;
      case 'eq': return has && v === r.value;
      case 'neq': return !has || v !== r.value;
      case 'in': return has && r.values.includes(v ?? '');
      case 'notin': return !has || !r.values.includes(v ?? '');
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v ?? '')) return false;
        const n = Number(v);
        return r.op === 'gt' ? n > r.value : n < r.value;
      }
      default: {
        const never: never = r;
        return never;
      }
    }
  });
}

/** kubectl's rendering of a selector (sorted as given): "a=b,c in (x,y),!d". */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.op) {
        case 'exists': return r.key;
        case 'notexists': return `!${r.key}`;
        case 'eq': return `${r.key}=${r.value}`;
        case 'neq': return `${r.key}!=${r.value}`;
        case 'in':
        case 'notin': return `${r.key} ${r.op} (${r.values.join(',')})`;
        case 'gt': return `${r.key}>${r.value}`;
        case 'lt': return `${r.key}<${r.value}`;
        default: {
          const never: never = r;
          return never;
        }
      }
    })
    .join(',');
}

// --- field selectors ---------------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** Fields the API server accepts in field selectors for the kinds we serve. */
export const SUPPORTED_FIELDS: readonly string[] = [
  'metadata.name',
  'metadata.namespace',
  'status.phase',
  'spec.nodeName',
  'status.podIP',
  'type',
  'reason',
  'involvedObject.kind',
  'involvedObject.name',
  'involvedObject.namespace',
];

/** Splits on an unescaped separator; `\,`, `\=`, `\!` and `\\` escape. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeFieldValue(s: string, whole: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c === '\\' || c === ',' || c === '=' || c === '!') return c;
    throw new SelectorError(`invalid field selector ${JSON.stringify(whole)}: invalid escape "\\${c}"`, 'only \\, \\= \\! and \\\\ are escapes');
  });
}

/** Parses a field selector; the empty selector matches everything. */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (s.trim() === '') return { requirements };
  for (const term of splitUnescaped(s, ',')) {
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term.replace(/\\./g, '\0\0'));
    if (!m || (m[1] ?? '').trim() === '') {
      throw new SelectorError(
        `invalid field selector ${JSON.stringify(s)}: cannot understand ${JSON.stringify(term)}`,
        'terms look like metadata.name=x, status.phase!=Running',
      );
    }
    const fieldLen = (m[1] ?? '').length;
    const opText = m[2] ?? '=';
    const field = term.slice(0, fieldLen).trim();
    if (!SUPPORTED_FIELDS.includes(field)) {
      throw new SelectorError(`field label not supported: ${JSON.stringify(field)}`, `supported: ${SUPPORTED_FIELDS.join(', ')}`);
    }
    const value = unescapeFieldValue(term.slice(fieldLen + opText.length).trim(), s);
    requirements.push({ field, op: opText === '!=' ? 'neq' : 'eq', value });
  }
  return { requirements };
}

function fieldValue(obj: unknown, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (!isPlainObject(cur)) return '';
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/** An absent field compares as the empty string, as the API server does. */
export function matchesFieldSelector(obj: unknown, sel: FieldSelector): boolean {
  return sel.requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === 'eq'));
}
