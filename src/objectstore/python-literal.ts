// The Python literal subset barman writes into backup.info (repr() of str, int, float, None,
// bool, list, tuple, dict) and reads back with ast.literal_eval. Tuples become arrays.

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

/** Python's repr() of a value; arrays are lists, or a tuple when `tuple` is set (outermost only). */
export function pyRepr(value: PyValue, opts: { tuple?: boolean } = {}): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return pyStr(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => pyRepr(v));
    if (!opts.tuple) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  return `{${Object.entries(value).map(([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** ast.literal_eval for the subset above; throws on anything else. */
export function pyLiteral(text: string): PyValue {
  const p = new Parser(text);
  const v = p.value();
  p.skipSpace();
  if (!p.done()) p.fail('unexpected trailing text');
  return v;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  fail(why: string): never {
    throw new Error(`invalid Python literal at offset ${this.i}: ${why}`);
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.s[this.i] ?? '')) this.i++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === "'" || c === '"') return this.string();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.dict();
    for (const [word, v] of [['None', null], ['True', true], ['False', false]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    const m = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return Number(m[0]);
    }
    return this.fail(`unexpected ${c === undefined ? 'end of text' : `"${c}"`}`);
  }

  private sequence(close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected "," or "${close}"`);
    }
  }

  private dict(): { [key: string]: PyValue } {
    this.i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value();
      this.skipSpace();
      if (this.s[this.i] !== ':') this.fail('expected ":"');
      this.i++;
      out[typeof key === 'string' ? key : JSON.stringify(key)] = this.value();
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail('expected "," or "}"');
    }
  }

  private string(): string {
    const quote = this.s[this.i];
    this.i++;
    let out = '';
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      const c = this.s[this.i++] ?? '';
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++] ?? '';
      const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
      if (e in simple) out += simple[e];
      else if (e === 'x') out += this.hex(2);
      else if (e === 'u') out += this.hex(4);
      else if (e === 'U') out += this.hex(8);
      else if (/[0-7]/.test(e)) {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(this.s[this.i] ?? '')) digits += this.s[this.i++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else out += `\\${e}`;
    }
  }

  private hex(n: number): string {
    const digits = this.s.slice(this.i, this.i + n);
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== n) this.fail('bad escape');
    this.i += n;
    return String.fromCodePoint(parseInt(digits, 16));
  }
}
