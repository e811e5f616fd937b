import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonPathError } from './errors.js';
import { evaluateJsonPathTemplate, evaluateJsonPathTemplateAsJson } from './jsonpath.js';
import { matchesLabelSelector, parseLabelSelector } from './selector.js';
import { jsonPathDoc, list, pods, secret } from './testdata/fixtures.js';

const doc = jsonPathDoc();
const labPods = (): ReturnType<typeof list> => {
  const sel = parseLabelSelector('cnpg.io/cluster=lab-postgres');
  return list(pods().filter((p) => matchesLabelSelector(p.metadata.labels, sel)));
};

interface Case {
  name: string;
  template: string;
  data?: unknown;
  want: string;
}

// The first block is the table of kubectl's JSONPath documentation, with today's output
// (maps and lists print as JSON, not Go's map[...]).
const cases: Case[] = [
  { name: 'plain text', template: 'kind is {.kind}', want: 'kind is List' },
  { name: 'child by dot', template: '{.kind}', want: 'List' },
  { name: 'child by quoted key', template: "{['kind']}", want: 'List' },
  { name: 'escaped dot inside a quoted key', template: "{.flags['dotted\\.key']}", want: 'literal' },
  { name: 'recursive descent', template: '{..name}', want: '127.0.0.1 127.0.0.2 myself e2e' },
  { name: 'wildcard', template: '{.items[*].metadata.name}', want: '127.0.0.1 127.0.0.2' },
  { name: 'index', template: '{.users[0].name}', want: 'myself' },
  { name: 'negative index', template: '{.items[-1].metadata.name}', want: '127.0.0.2' },
  { name: 'slice', template: '{.numbers[0:2]}', want: '3 1.5' },
  { name: 'slice with step', template: '{.numbers[0:4:2]}', want: '3 -2' },
  { name: 'open slice', template: '{.numbers[2:]}', want: '-2 40' },
  {
    name: 'union of quoted paths',
    template: "{.items[*]['metadata.name', 'status.capacity']}",
    want: '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
  },
  { name: 'union of indexes', template: '{.users[0,1].name}', want: 'myself e2e' },
  { name: 'filter ==', template: '{.users[?(@.name=="e2e")].user.password}', want: 'secret' },
  { name: 'filter !=', template: '{.items[*].status.addresses[?(@.type!="another")].address}', want: '127.0.0.1 127.0.0.2' },
  { name: 'filter > on numbers', template: '{.numbers[?(@>2)]}', want: '3 40' },
  { name: 'filter <= on numbers', template: '{.numbers[?(@<=1.5)]}', want: '1.5 -2' },
  { name: 'filter >= on strings', template: "{.users[?(@.name>='myself')].name}", want: 'myself' },
  { name: 'filter < mixing types never matches', template: '{.users[?(@.name<5)].name}', want: '' },
  { name: 'existence filter', template: '{.users[?(@.user.username)].name}', want: 'e2e' },
  {
    name: 'range',
    template: '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
    want: '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
  },
  { name: 'string literals with escapes', template: '{range .users[*]}{.name}{"\\t"}{end}{"\\n"}', want: 'myself\te2e\t\n' },
  { name: 'single-quoted literal', template: "{.kind}{' items'}", want: 'List items' },
  { name: 'root with $', template: '{$.kind}', want: 'List' },
  { name: 'current object', template: '{@.flags.enabled}', want: 'true' },
  { name: 'map prints as JSON with sorted keys', template: '{.users[1].user}', want: '{"password":"secret","username":"admin"}' },
  { name: 'list prints as JSON', template: '{.numbers}', want: '[3,1.5,-2,40]' },
  { name: 'null prints as <nil>', template: '{.flags.empty}', want: '<nil>' },
  { name: 'quoted key prefers the literal key', template: "{.flags['dotted.key']}", want: 'literal' },
  { name: 'quoted key falls back to the dotted path', template: "{.items[0]['metadata.name']}", want: '127.0.0.1' },
  { name: 'missing key prints nothing by default', template: 'x{.status.nothing}y', want: 'xy' },
  { name: 'wildcard over an empty selection', template: '{.nothing[*].name}', want: '' },
  { name: 'range without end runs to the end', template: '{range .users[*]}<{.name}>', want: '<myself><e2e>' },
  { name: 'nested ranges', template: '{range .items[*]}{range .status.addresses[*]}{.type}:{.address};{end}|{end}', want: 'LegacyHostIP:127.0.0.1;|LegacyHostIP:127.0.0.2;another:127.0.0.3;|' },
  { name: 'text only', template: 'no braces at all', want: 'no braces at all' },
  { name: 'dot alone is the current object', template: '{range .users[*]}{.}{end}', want: '{"name":"myself","user":{}}{"name":"e2e","user":{"password":"secret","username":"admin"}}' },

  // Seeds: the command lines users type.
  {
    name: 'seed: primary pod by role label',
    template: '{.items[?(@.metadata.labels.role=="primary")].metadata.name}',
    data: labPods(),
    want: 'lab-postgres-1',
  },
  {
    name: 'seed: secret uri (then | base64 -d)',
    template: '{.data.uri}',
    data: secret(),
    want: 'cG9zdGdyZXNxbDovL2FwcF91c2VyOnN1cGVyc2VjdXJlcGFzc3dvcmRAbXktcG9zdGdyZXMtcnc6NTQzMi9hcHA=',
  },
  {
    name: 'seed: label with dots and slash, escaped',
    template: '{.items[*].metadata.labels.cnpg\\.io/instanceRole}',
    data: labPods(),
    want: 'primary replica replica',
  },
  {
    name: 'seed: label with dots and slash, quoted',
    template: "{range .items[*]}{.metadata.name}{'\\t'}{.metadata.labels['cnpg.io/instanceRole']}{'\\n'}{end}",
    data: labPods(),
    want: 'lab-postgres-1\tprimary\nlab-postgres-2\treplica\nlab-postgres-3\treplica\n',
  },
  {
    name: 'seed: pod IPs one per line',
    template: '{range .items[*]}{.status.podIP}{"\\n"}{end}',
    data: labPods(),
    want: '127.0.0.1\n127.0.0.1\n\n',
  },
  {
    name: 'seed: filter on a label that some items lack',
    template: '{.items[?(@.metadata.labels.missing=="x")].metadata.name}',
    data: labPods(),
    want: '',
  },
];

describe('evaluateJsonPathTemplate', () => {
  for (const c of cases) {
    it(c.name, () => assert.equal(evaluateJsonPathTemplate(c.template, c.data ?? doc), c.want));
  }

  it('decodes the seed secret uri', () => {
    const encoded = evaluateJsonPathTemplate('{.data.uri}', secret());
    assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), 'postgresql://app_user:supersecurepassword@my-postgres-rw:5432/app');
  });
});

describe('evaluateJsonPathTemplate errors', () => {
  const errors: Array<{ name: string; template: string; message: RegExp; allowMissingKeys?: boolean }> = [
    { name: 'unclosed brace', template: '{.items', message: /^jsonpath: unclosed "\{" at position 0 in "\{\.items"/ },
    { name: 'unclosed brace after text', template: 'name: {.items', message: /unclosed "\{" at position 6/ },
    { name: 'unterminated bracket', template: '{.items[0}', message: /unterminated "\[" at position 7/ },
    { name: 'unterminated filter', template: '{.items[?(@.a=="x"}', message: /unterminated filter/ },
    { name: 'single = in a filter', template: '{.items[?(@.a="x")]}', message: /unrecognized filter operator "=".*compare with "=="/ },
    { name: 'missing leading dot', template: '{metadata.name}', message: /unrecognized identifier "metadata".*"\.metadata"/ },
    { name: 'unquoted filter value', template: '{.items[?(@.a==primary)]}', message: /unrecognized identifier "primary"/ },
    { name: 'end without range', template: '{.a}{end}', message: /\{end\} has no matching \{range\} at position 4/ },
    { name: 'bad index', template: '{.items[x]}', message: /invalid array index "x"/ },
    { name: 'unterminated string', template: '{"abc}', message: /unterminated string literal/ },
    { name: 'bad escape', template: '{"\\q"}', message: /invalid escape "\\q"/ },
    { name: 'unknown character', template: '{.a %}', message: /unrecognized character "%" at position 4/ },
    { name: 'index out of bounds', template: '{.items[5]}', message: /^error executing jsonpath "\{\.items\[5\]\}": array index out of bounds: index 5, length 2$/ },
    { name: 'index on a map', template: '{.flags[0]}', message: /a map is not an array/ },
    {
      name: 'missing key with allowMissingKeys=false',
      template: '{.status.phase}',
      message: /^error executing jsonpath "\{\.status\.phase\}": status is not found$/,
      allowMissingKeys: false,
    },
    {
      name: 'missing nested key with allowMissingKeys=false',
      template: '{.users[0].user.password}',
      message: /password is not found/,
      allowMissingKeys: false,
    },
  ];
  for (const c of errors) {
    it(c.name, () => {
      assert.throws(
        () => evaluateJsonPathTemplate(c.template, doc, { allowMissingKeys: c.allowMissingKeys ?? true }),
        (err: unknown) => err instanceof JsonPathError && c.message.test(err.message),
      );
    });
  }

  it('an empty wildcard result is not a missing key even when keys must exist', () => {
    assert.equal(evaluateJsonPathTemplate('{.items[*].metadata.name}', list([]), { allowMissingKeys: false }), '');
  });
});

describe('evaluateJsonPathTemplateAsJson', () => {
  it('prints each result group as an indented JSON array', () => {
    assert.equal(evaluateJsonPathTemplateAsJson('{.items[*].metadata.name}', doc), '[\n    "127.0.0.1",\n    "127.0.0.2"\n]\n');
  });
});
