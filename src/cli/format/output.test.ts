import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { OutputFormatError } from './errors.js';
import { formatOutput, parseOutputFormat } from './output.js';
import { cluster, list, pods, secret, services } from './testdata/fixtures.js';

const now = new Date('2024-01-15T14:00:00Z');
const opts = { now };

describe('parseOutputFormat', () => {
  const cases: Array<[string, ReturnType<typeof parseOutputFormat>]> = [
    ['', { kind: 'table', wide: false }],
    ['wide', { kind: 'table', wide: true }],
    ['json', { kind: 'json' }],
    ['yaml', { kind: 'yaml' }],
    ['name', { kind: 'name' }],
    ['jsonpath={.a}', { kind: 'jsonpath', template: '{.a}' }],
    ["jsonpath='{.a}'", { kind: 'jsonpath', template: '{.a}' }],
    ['jsonpath="{.a} = {.b}"', { kind: 'jsonpath', template: '{.a} = {.b}' }],
    ['jsonpath-as-json={.a}', { kind: 'jsonpath-as-json', template: '{.a}' }],
    ['custom-columns=NAME:.metadata.name', { kind: 'custom-columns', spec: 'NAME:.metadata.name' }],
  ];
  for (const [format, want] of cases) {
    it(JSON.stringify(format), () => assert.deepEqual(parseOutputFormat(format), want));
  }

  const errors: Array<[string, RegExp]> = [
    [
      'xml',
      /^unable to match a printer suitable for the output format "xml", allowed formats are: custom-columns,json,jsonpath,jsonpath-as-json,name,wide,yaml$/,
    ],
    ['json=x', /output format "json=x"/],
    ['jsonpath', /jsonpath format specified but no template given/],
    ["jsonpath=''", /jsonpath format specified but no template given/],
    ['custom-columns=', /custom-columns format specified but no custom columns given/],
  ];
  for (const [format, message] of errors) {
    it(`rejects ${JSON.stringify(format)}`, () => {
      assert.throws(() => parseOutputFormat(format), (err: unknown) => err instanceof OutputFormatError && message.test(err.message));
    });
  }
});

describe('formatOutput', () => {
  it('-o json of one object: 4-space indent, sorted keys, trailing newline', () => {
    const out = formatOutput(secret(), 'json', opts);
    assert.ok(out.startsWith('{\n    "apiVersion": "v1",\n    "data": {\n        "dbname": "YXBw",'));
    assert.ok(out.endsWith('\n    "type": "kubernetes.io/basic-auth"\n}\n'));
    assert.deepEqual(JSON.parse(out), secret());
  });

  it('-o json of a list is the List envelope', () => {
    const out = formatOutput(list([]), 'json', opts);
    assert.equal(out, '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
  });

  it('-o json escapes <, > and & as Go does', () => {
    const s = secret();
    s.metadata.annotations = { note: 'a<b>&c' };
    assert.ok(formatOutput(s, 'json', opts).includes('"note": "a\\u003cb\\u003e\\u0026c"'));
  });

  it('-o yaml: sorted keys, unindented sequences, quoted ambiguous strings', () => {
    const out = formatOutput(cluster(), 'yaml', opts);
    assert.ok(out.startsWith('apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  annotations:\n'));
    assert.ok(out.includes('  creationTimestamp: "2024-01-15T13:41:00Z"\n'));
    assert.ok(out.includes('  resourceVersion: "42"\n'));
    assert.ok(out.includes('  instanceNames:\n  - lab-postgres-1\n'));
    assert.deepEqual(parse(out), cluster());
  });

  it('-o yaml of a list', () => {
    assert.equal(formatOutput(list([]), 'yaml', opts), 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n');
  });

  const nameCases: Array<[string, () => Parameters<typeof formatOutput>[0], string]> = [
    ['cluster', cluster, 'cluster.postgresql.cnpg.io/lab-postgres\n'],
    ['pods', () => list(pods().slice(0, 2)), 'pod/lab-postgres-1\npod/lab-postgres-2\n'],
    ['service', () => services()[0] ?? cluster(), 'service/lab-postgres-rw\n'],
    ['secret', secret, 'secret/my-postgres-app\n'],
    ['empty list', () => list([]), ''],
  ];
  for (const [name, input, want] of nameCases) {
    it(`-o name: ${name}`, () => assert.equal(formatOutput(input(), 'name', opts), want));
  }

  it('-o jsonpath on a list (seed: primary pod name)', () => {
    const out = formatOutput(list(pods()), "jsonpath='{.items[?(@.metadata.labels.role==\"primary\")].metadata.name}'", opts);
    assert.equal(out, 'lab-postgres-1 other-1');
  });

  it('-o jsonpath on one object (seed: secret uri)', () => {
    assert.equal(formatOutput(secret(), 'jsonpath={.data.username}', opts), 'YXBwX3VzZXI=');
  });

  it('-o jsonpath reports missing keys only when asked to', () => {
    assert.equal(formatOutput(secret(), 'jsonpath={.status.phase}', opts), '');
    assert.throws(() => formatOutput(secret(), 'jsonpath={.status.phase}', { ...opts, allowMissingKeys: false }), /status is not found/);
  });

  it('-o jsonpath-as-json', () => {
    assert.equal(formatOutput(list(pods().slice(0, 2)), 'jsonpath-as-json={.items[*].metadata.name}', opts), '[\n    "lab-postgres-1",\n    "lab-postgres-2"\n]\n');
  });

  it('-o wide and the default table', () => {
    assert.ok(formatOutput(list(pods()), 'wide', opts).startsWith('NAME             READY   STATUS             RESTARTS     AGE    IP'));
    assert.ok(formatOutput(cluster(), '', opts).startsWith('NAME           AGE   INSTANCES'));
    assert.equal(formatOutput(list([]), '', opts), '');
  });

  it('-o custom-columns', () => {
    const out = formatOutput(
      list(pods().slice(0, 3)),
      'custom-columns=NAME:.metadata.name,ROLE:{.metadata.labels.role},IP:status.podIP,PORTS:.status.local,X:.nothing[*]',
      opts,
    );
    assert.equal(
      out,
      [
        'NAME             ROLE      IP          PORTS                               X',
        'lab-postgres-1   primary   127.0.0.1   map[metricsPort:54341 port:54331]   <none>',
        'lab-postgres-2   replica   127.0.0.1   map[metricsPort:54342 port:54332]   <none>',
        'lab-postgres-3   replica   <none>      <none>                              <none>',
        '',
      ].join('\n'),
    );
  });

  it('-o custom-columns keeps commas inside unions and filters', () => {
    const out = formatOutput(list(pods().slice(0, 1)), "custom-columns=N:.metadata['name','namespace'],H:.metadata.name", { ...opts, noHeaders: true });
    assert.equal(out, 'lab-postgres-1,default   lab-postgres-1\n');
  });

  it('-o custom-columns errors name the expected syntax', () => {
    assert.throws(() => formatOutput(cluster(), 'custom-columns=NAME', opts), /expected <header>:<json-path-expr>/);
    assert.throws(() => formatOutput(cluster(), 'custom-columns=NAME:{.a}{.b}', opts), /unexpected path string/);
  });
});
