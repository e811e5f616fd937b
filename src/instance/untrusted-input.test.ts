// Property (issue 11): no manifest value puts a control character into postgresql.conf,
// pg_hba.conf, pg_ident.conf, initdb's arguments or SQL built from names. For every generated
// input, either validation refuses it, or the output is free of control characters and reads
// back as exactly what was written. The renderers are also fed unvalidated input: they refuse it
// or keep the same property. A seeded generator keeps failures reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, validateObject, type Cluster } from '../api/index.js';
import { buildParameters, renderPostgresqlConf, UnsafeConfigurationError } from '../postgres/config.js';
import { renderPgHba, renderPgIdent } from '../postgres/hba.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import { initdbBootstrap } from '../operator/instance-config.js';
import { initdbArguments } from './initdb.js';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261204);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

/** mulberry32: small, seeded, good enough to explore strings. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ['\n', '\r', '\t', '\0', '\x1b', '\x7f', '\x85', '\u2028', '\u202e', "'", '"', '\\', '#', '=', ',', ' ', '@', '/', '.', '$', 'é', '𝄞', '*'];
const PLAIN = 'abcdefghijklmnopqrstuvwxyz_ABC0123456789'.split('');
const CONTROL = /\p{Cc}/u;

class Generator {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  char(): string {
    return this.next() < 0.4 ? this.pick(HOSTILE) : this.pick(PLAIN);
  }
  text(max = 12): string {
    return Array.from({ length: this.int(max + 1) }, () => this.char()).join('');
  }
  /** A known-good sample with a few random insertions, so both outcomes are explored. */
  mutate(sample: string): string {
    let s = sample;
    for (let i = this.int(3); i > 0; i--) {
      const at = this.int(s.length + 1);
      s = s.slice(0, at) + this.char() + s.slice(at);
    }
    return s;
  }
  either(samples: readonly string[]): string {
    return this.next() < 0.5 ? this.mutate(this.pick(samples)) : this.text();
  }
}

function cluster(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'p' }, spec: { instances: 1, storage: { size: '1Gi' }, ...spec } };
}

function admitted(spec: Record<string, unknown>): Cluster | undefined {
  try {
    return validateObject(cluster(spec)).resource as Cluster;
  } catch (e) {
    assert.ok(e instanceof ManifestError, String(e));
    assert.equal(e.message.split('\n').length, e.issues.length, `an error message spans lines: ${JSON.stringify(e.message)}`);
    return undefined;
  }
}

/** guc-file.l's reading of one `name = 'value'` line, with GUC_scanstr's unescaping. */
function readConfLine(line: string): [string, string] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?) = '((?:[^'\\\n]|\\.|'')*)'$/.exec(line);
  assert.ok(match, `not a name = 'value' line: ${JSON.stringify(line)}`);
  const value = (match[2] ?? '').replace(/''|\\([0-7]{1,3}|.)/g, (all, escaped: string | undefined) => {
    if (all === "''") return "'";
    const named: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (escaped && /^[0-7]+$/.test(escaped)) return String.fromCharCode(parseInt(escaped, 8));
    return named[escaped ?? ''] ?? escaped ?? '';
  });
  return [match[1] ?? '', value];
}

function assertCleanConf(conf: string, expected: Record<string, string>): void {
  const lines = conf.trimEnd().split('\n').slice(1);
  const read = Object.fromEntries(lines.map(readConfLine));
  for (const line of lines) assert.doesNotMatch(line, CONTROL, JSON.stringify(line));
  for (const [name, value] of Object.entries(expected)) assert.equal(read[name], value, name);
}

const NAMES = ['work_mem', 'pg_stat_statements.max', 'log_min_duration_statement', 'search_path', 'application_name'];
const VALUES = ['4MB', '10000', "it's", 'C:\\path', '"$user", public', ''];

test('postgresql.conf: refused at validation, or every line one parameter that reads back as written', () => {
  const g = new Generator(SEED);
  let accepted = 0;
  for (let i = 0; i < RUNS; i++) {
    const parameters = { [g.either(NAMES)]: g.either(VALUES) };
    const resource = admitted({ postgresql: { parameters } });
    if (!resource) continue;
    accepted++;
    const params = buildParameters({ instanceName: 'p-1', port: 6000, socketDir: '/s', archiveCommand: 'x %f', userParameters: resource.spec.postgresql.parameters });
    assertCleanConf(renderPostgresqlConf(params), params);
  }
  assert.ok(accepted >= 10 && accepted < RUNS, `accepted ${accepted} of ${RUNS}: the property is not exercised both ways`);
});

test('postgresql.conf renderer without validation: refuses, or writes only clean lines', () => {
  const g = new Generator(SEED + 1);
  let refused = 0;
  for (let i = 0; i < RUNS; i++) {
    const params = { [g.either(NAMES)]: g.either(VALUES), [g.text()]: g.text() };
    try {
      assertCleanConf(renderPostgresqlConf(params), params);
    } catch (e) {
      if (!(e instanceof UnsafeConfigurationError)) throw e;
      refused++;
    }
  }
  assert.ok(refused > 0 && refused < RUNS, `refused ${refused} of ${RUNS}`);
});

const HBA = ['host all all 10.0.0.0/8 scram-sha-256', 'hostssl app app 192.168.0.0 255.255.0.0 cert', 'local all all peer map=local', 'host all all .example.com md5'];
const IDENT = ['map postgres app', 'm /^(.*)$ \\1', 'local root postgres'];

for (const [file, samples, render] of [
  ['pg_hba', HBA, (lines: string[]) => renderPgHba({ userLines: lines, major: 15 })],
  ['pg_ident', IDENT, (lines: string[]) => renderPgIdent({ osUser: 'postgres', localRoles: [], userLines: lines })],
] as const) {
  test(`${file}.conf: refused at validation (or by the renderer), or each line one rule, written as given`, () => {
    const g = new Generator(SEED + file.length);
    let accepted = 0;
    for (let i = 0; i < RUNS; i++) {
      const line = g.either(samples);
      const resource = admitted({ postgresql: { [file]: [line] } });
      let text: string;
      try {
        text = render([line]);
      } catch (e) {
        assert.ok(e instanceof UnsafeConfigurationError, String(e));
        assert.equal(resource, undefined, `validation accepted what the renderer refuses: ${JSON.stringify(line)}`);
        continue;
      }
      if (!resource) continue;
      accepted++;
      assert.doesNotMatch(text.replaceAll('\n', ''), CONTROL, JSON.stringify(line));
      assert.ok(text.split('\n').includes(line), JSON.stringify(line));
    }
    assert.ok(accepted > RUNS / 20 && accepted < RUNS, `accepted ${accepted} of ${RUNS}`);
  });
}

test("initdb's arguments: refused at validation, or no argument carries a control character", () => {
  const g = new Generator(SEED + 7);
  let accepted = 0;
  for (let i = 0; i < RUNS; i++) {
    const initdb = { database: g.either(['app', 'my db']), owner: g.either(['app']), encoding: g.either(['UTF8']), locale: g.either(['C', 'en_US.UTF-8']), options: [g.either(['--no-sync', '-k'])] };
    const resource = admitted({ bootstrap: { initdb } });
    if (!resource) continue;
    accepted++;
    for (const arg of initdbArguments('/pgdata', initdbBootstrap(resource))) assert.doesNotMatch(arg, CONTROL, JSON.stringify(arg));
  }
  assert.ok(accepted > 0 && accepted < RUNS, `accepted ${accepted} of ${RUNS}`);
});

test('SQL: a quoted name never carries a control character and reads back; literals read back', () => {
  const g = new Generator(SEED + 9);
  for (let i = 0; i < RUNS; i++) {
    const name = g.text(16);
    let ident: string | undefined;
    try {
      ident = quoteIdent(name);
    } catch {
      assert.match(name, CONTROL);
    }
    if (ident !== undefined) {
      assert.doesNotMatch(ident, CONTROL);
      assert.match(ident, /^"(?:[^"]|"")*"$/s);
      assert.equal(ident.slice(1, -1).replaceAll('""', '"'), name);
    }
    const value = g.text(16);
    if (value.includes('\0')) {
      assert.throws(() => quoteLiteral(value));
      continue;
    }
    const literal = quoteLiteral(value);
    const escaped = literal.startsWith("E'");
    const body = literal.slice(escaped ? 2 : 1, -1);
    assert.match(body, escaped ? /^(?:[^'\\]|''|\\\\)*$/s : /^(?:[^']|'')*$/s);
    const read = escaped ? body.replace(/''|\\\\/g, (m) => m[0] ?? '') : body.replaceAll("''", "'");
    assert.equal(read, value);
  }
});

test('managed role and database names reach SQL only without control characters', () => {
  const g = new Generator(SEED + 11);
  for (let i = 0; i < RUNS; i++) {
    const name = g.either(['app', 'reporting']);
    const resource = admitted({ managed: { roles: [{ name, ensure: 'present', login: true }] }, bootstrap: { initdb: { database: name, owner: name } } });
    if (!resource) continue;
    for (const used of [resource.spec.managed?.roles?.[0]?.name ?? '', resource.spec.bootstrap.initdb?.database ?? '']) {
      assert.doesNotMatch(quoteIdent(used), CONTROL);
    }
  }
});
