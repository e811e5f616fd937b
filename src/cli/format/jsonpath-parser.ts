// Parser for kubectl's JSONPath template language (k8s.io/client-go/util/jsonpath): text with
// {expressions}, {range …}…{end}, string literals, filters, slices, unions, recursive descent.
// Positions in errors are 0-based offsets into the whole template.

import { JsonPathError } from './errors.js';

export type FilterOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export type Step =
  | { kind: 'field'; name: string }
  /** ['a.b']: the literal key "a.b" when the object has it, else the path a → b as kubectl reads it */
  | { kind: 'key'; literal: string; path: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'slice'; start?: number; end?: number; step?: number; derivedEnd: boolean; star: boolean }
  | { kind: 'filter'; left: Step[]; op: FilterOp | 'exists'; right: Step[] }
  | { kind: 'union'; branches: Step[][] }
  | { kind: 'text'; value: string }
  | { kind: 'scalar'; value: number | boolean };

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; steps: Step[] }
  | { kind: 'range'; steps: Step[]; body: Segment[] };

export interface ParsedTemplate {
  template: string;
  segments: Segment[];
}

const FILTER_OPS: readonly string[] = ['==', '!=', '<', '>', '<=', '>='];
const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}']);
const SLICE_RE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const FILTER_RE = /^([^!<>=]+)([!<>=]+)(.+?)$/s;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{N}_]$/u.test(c);

type Marker = Segment | { kind: 'end'; pos: number } | { kind: 'rangeStart'; steps: Step[]; pos: number };

class Parser {
  constructor(private readonly src: string) {}

  fail(reason: string, pos: number, hint?: string): never {
    throw new JsonPathError(`jsonpath: ${reason} at position ${pos} in ${JSON.stringify(this.src)}`, hint);
  }

  parseTemplate(): Segment[] {
    const markers: Marker[] = [];
    let pos = 0;
    while (pos < this.src.length) {
      const open = this.src.indexOf('{', pos);
      if (open < 0) {
        markers.push({ kind: 'text', text: this.src.slice(pos) });
        break;
      }
      if (open > pos) markers.push({ kind: 'text', text: this.src.slice(pos, open) });
      pos = this.parseAction(open, markers);
    }
    return this.nest(markers);
  }

  /** Parses `{…}` starting at the brace; returns the position after the closing brace. */
  private parseAction(open: number, markers: Marker[]): number {
    let p = open + 1;
    while (this.src[p] === ' ') p++;
    const word = /^[A-Za-z_]+/.exec(this.src.slice(p))?.[0];
    const after = p + (word?.length ?? 0);
    if ((word === 'range' || word === 'end') && (after >= this.src.length || TERMINATORS.has(this.src[after] ?? ''))) {
      if (word === 'end') {
        let q = after;
        while (this.src[q] === ' ') q++;
        if (q >= this.src.length) this.fail('unclosed "{"', open, 'every "{" needs a matching "}"');
        if (this.src[q] !== '}') this.fail('unexpected text after "end"', q, 'write {end} on its own');
        markers.push({ kind: 'end', pos: open });
        return q + 1;
      }
      const { steps, end } = this.parseSteps(after, this.src.length, open);
      markers.push({ kind: 'rangeStart', steps, pos: open });
      return end + 1;
    }
    const { steps, end } = this.parseSteps(open + 1, this.src.length, open);
    markers.push({ kind: 'expr', steps });
    return end + 1;
  }

  /** Turns the flat marker list into nested range segments; an unterminated range runs to the end. */
  private nest(markers: Marker[]): Segment[] {
    const root: Segment[] = [];
    const stack: Segment[][] = [root];
    for (const m of markers) {
      const current = stack[stack.length - 1] ?? root;
      if (m.kind === 'rangeStart') {
        const seg: Segment = { kind: 'range', steps: m.steps, body: [] };
        current.push(seg);
        stack.push(seg.body);
      } else if (m.kind === 'end') {
        if (stack.length === 1) this.fail('{end} has no matching {range}', m.pos, 'remove it or add {range …} before it');
        stack.pop();
      } else {
        current.push(m);
      }
    }
    return root;
  }

  /**
   * Parses a sequence of steps in [from, to). With `open` set (a top-level action) parsing stops
   * at the closing '}' and `end` is its position; otherwise the whole range is consumed.
   */
  parseSteps(from: number, to: number, open?: number): { steps: Step[]; end: number } {
    const steps: Step[] = [];
    let p = from;
    for (;;) {
      if (p >= to) {
        if (open !== undefined) this.fail('unclosed "{"', open, 'every "{" needs a matching "}"');
        return { steps, end: p };
      }
      const c = this.src[p] ?? '';
      if (open !== undefined && c === '}') return { steps, end: p };
      if (this.src.startsWith('[?(', p)) {
        p = this.parseFilter(p, to, steps);
      } else if (this.src.startsWith('..', p)) {
        steps.push({ kind: 'recursive' });
        p += 2;
        if (this.src[p] === '*') {
          steps.push({ kind: 'wildcard' });
          p++;
        } else if (isAlnum(this.src[p])) {
          p = this.parseField(p, to, steps);
        }
      } else if (c === ' ' || c === '\t' || c === '@' || c === '$') {
        p++;
      } else if (c === '\n' || c === '\r') {
        this.fail('line break inside an expression', p, 'close the expression with "}" before the line break');
      } else if (c === '[') {
        const close = this.findClosingBracket(p, to);
        steps.push(this.parseBracket(p + 1, close));
        p = close + 1;
      } else if (c === '"' || c === "'") {
        const { value, end } = this.parseQuoted(p, to);
        steps.push({ kind: 'text', value });
        p = end;
      } else if (c === '.') {
        p = this.parseField(p + 1, to, steps);
      } else if (c === '+' || c === '-' || /\d/.test(c)) {
        p = this.parseNumber(p, to, steps);
      } else if (isAlnum(c)) {
        p = this.parseIdentifier(p, to, steps);
      } else {
        this.fail(`unrecognized character ${JSON.stringify(c)}`, p);
      }
    }
  }

  private readName(from: number, to: number): { name: string; end: number } {
    let p = from;
    let name = '';
    while (p < to) {
      const c = this.src[p] ?? '';
      if (c === '\\' && p + 1 < to) {
        name += this.src[p + 1];
        p += 2;
        continue;
      }
      if (TERMINATORS.has(c)) break;
      name += c;
      p++;
    }
    return { name, end: p };
  }

  private parseField(from: number, to: number, steps: Step[]): number {
    const { name, end } = this.readName(from, to);
    if (name === '*') steps.push({ kind: 'wildcard' });
    else if (name !== '') steps.push({ kind: 'field', name });
    return end;
  }

  private parseIdentifier(from: number, to: number, steps: Step[]): number {
    const { name, end } = this.readName(from, to);
    if (name === 'true' || name === 'false') {
      steps.push({ kind: 'scalar', value: name === 'true' });
      return end;
    }
    if (name === 'range' || name === 'end') {
      this.fail(`"${name}" must open its own {…}`, from, `write {${name === 'range' ? 'range .items[*]' : 'end'}}`);
    }
    return this.fail(
      `unrecognized identifier ${JSON.stringify(name)}`,
      from,
      `fields start with a dot: ".${name}"; string values are quoted: "${name}"`,
    );
  }

  private parseNumber(from: number, to: number, steps: Step[]): number {
    let p = from;
    if (this.src[p] === '+' || this.src[p] === '-') p++;
    while (p < to && /[\d.]/.test(this.src[p] ?? '')) p++;
    const text = this.src.slice(from, p);
    const value = Number(text);
    if (text === '' || text === '+' || text === '-' || !Number.isFinite(value)) this.fail(`cannot parse number ${JSON.stringify(text)}`, from);
    steps.push({ kind: 'scalar', value });
    return p;
  }

  /** Position of the ']' closing the '[' at `open`, skipping quoted text. */
  private findClosingBracket(open: number, to: number): number {
    let quote = '';
    for (let p = open + 1; p < to; p++) {
      const c = this.src[p];
      if (quote !== '') {
        if (c === '\\') p++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === ']') {
        return p;
      } else if (c === '\n' || c === '}') {
        break;
      }
    }
    return this.fail('unterminated "["', open, 'close it with "]"');
  }

  /** The content of `[…]` in [from, to): union, quoted key, wildcard or slice. */
  private parseBracket(from: number, to: number): Step {
    const parts = this.splitTopLevel(from, to);
    if (parts.length > 1) {
      return { kind: 'union', branches: parts.map(([a, b]) => [this.parseBracket(a, b)]) };
    }
    const raw = this.src.slice(from, to);
    const text = raw.trim();
    if (text === '*') return { kind: 'slice', derivedEnd: false, star: true };
    const quoted = /^(['"])(.*)\1$/s.exec(text);
    if (quoted) {
      const body = quoted[2] ?? '';
      const path = body.split(/(?<!\\)\./).map((s) => s.replace(/\\/g, ''));
      return { kind: 'key', literal: body.replace(/\\/g, ''), path };
    }
    if (text === '') this.fail('empty "[]"', from - 1, 'put an index, a slice, * or a quoted key inside');
    const m = SLICE_RE.exec(text);
    if (!m) this.fail(`invalid array index ${JSON.stringify(raw)}`, from, "use [0], [-1], [1:3], [*], ['key'] or [?(@.x==\"y\")]");
    const [, a = '', b, c] = m;
    const start = a === '' ? undefined : Number(a);
    const endText = b?.slice(1);
    const stepText = c?.slice(1);
    const derivedEnd = b === undefined;
    const end = derivedEnd ? (start ?? 0) + 1 : endText === '' ? undefined : Number(endText);
    const step = stepText === undefined || stepText === '' ? undefined : Number(stepText);
    if ([start, end, step].some((n) => n !== undefined && Number.isNaN(n))) {
      this.fail(`invalid array index ${JSON.stringify(raw)}`, from, 'indexes are whole numbers');
    }
    return { kind: 'slice', start, end, step, derivedEnd, star: false };
  }

  /** Splits [from, to) on commas outside quotes and brackets; returns absolute [start, end) pairs. */
  private splitTopLevel(from: number, to: number): Array<[number, number]> {
    const parts: Array<[number, number]> = [];
    let quote = '';
    let depth = 0;
    let start = from;
    for (let p = from; p < to; p++) {
      const c = this.src[p];
      if (quote !== '') {
        if (c === '\\') p++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') depth--;
      else if (c === ',' && depth === 0) {
        parts.push([start, p]);
        start = p + 1;
      }
    }
    parts.push([start, to]);
    return parts;
  }

  private parseFilter(open: number, to: number, steps: Step[]): number {
    const from = open + 3;
    let quote = '';
    let close = -1;
    for (let p = from; p < to; p++) {
      const c = this.src[p];
      if (quote !== '') {
        if (c === '\\') p++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ')') {
        close = p;
        break;
      } else if (c === '\n') break;
    }
    if (close < 0) this.fail('unterminated filter', open, 'filters look like [?(@.status.phase=="Running")]');
    if (this.src[close + 1] !== ']') this.fail('filter is missing its closing "]"', close + 1, 'filters look like [?(@.status.phase=="Running")]');
    const content = this.src.slice(from, close);
    const m = FILTER_RE.exec(content);
    if (!m) {
      steps.push({ kind: 'filter', left: this.parseSteps(from, close).steps, op: 'exists', right: [] });
      return close + 2;
    }
    const [, left = '', op = '', right = ''] = m;
    if (!FILTER_OPS.includes(op)) {
      this.fail(
        `unrecognized filter operator ${JSON.stringify(op)}`,
        from + left.length,
        op === '=' ? 'compare with "=="' : `use one of ${FILTER_OPS.join(' ')}`,
      );
    }
    const opStart = from + left.length;
    const rightStart = opStart + op.length;
    steps.push({
      kind: 'filter',
      left: this.parseSteps(from, opStart).steps,
      op: op as FilterOp,
      right: this.parseSteps(rightStart, rightStart + right.length).steps,
    });
    return close + 2;
  }

  /** A "…" or '…' literal with Go escapes; `end` is the position after the closing quote. */
  private parseQuoted(open: number, to: number): { value: string; end: number } {
    const quote = this.src[open];
    let value = '';
    let p = open + 1;
    while (p < to) {
      const c = this.src[p] ?? '';
      if (c === quote) return { value, end: p + 1 };
      if (c === '\n') break;
      if (c !== '\\') {
        value += c;
        p++;
        continue;
      }
      const e = this.src[p + 1] ?? '';
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        p += 2;
        continue;
      }
      const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hex = this.src.slice(p + 2, p + 2 + hexLen);
      if (hexLen > 0 && new RegExp(`^[0-9A-Fa-f]{${hexLen}}$`).test(hex)) {
        value += String.fromCodePoint(parseInt(hex, 16));
        p += 2 + hexLen;
        continue;
      }
      const oct = this.src.slice(p + 1, p + 4);
      if (/^[0-7]{3}$/.test(oct)) {
        value += String.fromCharCode(parseInt(oct, 8));
        p += 4;
        continue;
      }
      this.fail(`invalid escape "\\${e}" in string literal`, p, 'known escapes: \\n \\t \\r \\\\ \\" \\\' \\xHH \\uHHHH');
    }
    return this.fail('unterminated string literal', open, `close it with ${quote}`);
  }
}

/** Parses a whole template; throws JsonPathError with the position of the problem. */
export function parseJsonPathTemplate(template: string): ParsedTemplate {
  return { template, segments: new Parser(template).parseTemplate() };
}
