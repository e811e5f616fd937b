import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SelectorError } from './errors.js';
import {
  formatLabelSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './selector.js';
import { pods, secret } from './testdata/fixtures.js';

const primary = { 'cnpg.io/cluster': 'lab-postgres', role: 'primary', tier: 'db', size: '3' };
const replica = { 'cnpg.io/cluster': 'lab-postgres', role: 'replica', tier: 'db' };
const other = { 'cnpg.io/cluster': 'other', role: 'primary', legacy: '' };

describe('label selectors', () => {
  // [selector, matches primary, matches replica, matches other, matches no labels]
  const cases: Array<[string, boolean, boolean, boolean, boolean]> = [
    ['', true, true, true, true],
    ['cnpg.io/cluster=lab-postgres', true, true, false, false],
    ['cnpg.io/cluster==lab-postgres', true, true, false, false],
    ['role!=primary', false, true, false, true],
    ['role in (primary,replica)', true, true, true, false],
    ['role in (replica)', false, true, false, false],
    ['role notin (primary)', false, true, false, true],
    ['cnpg.io/cluster', true, true, true, false],
    ['!legacy', true, true, false, true],
    ['legacy=', false, false, true, false],
    ['cnpg.io/cluster=lab-postgres,role=primary', true, false, false, false],
    [' role = replica , tier in ( db ) ', false, true, false, false],
    ['size>2', true, false, false, false],
    ['size<3', false, false, false, false],
    ['role in(primary),!tier', false, false, true, false],
  ];
  for (const [s, p, r, o, none] of cases) {
    it(JSON.stringify(s), () => {
      const sel = parseLabelSelector(s);
      assert.deepEqual(
        [primary, replica, other, undefined].map((l) => matchesLabelSelector(l, sel)),
        [p, r, o, none],
      );
    });
  }

  it('selects the seed pods', () => {
    const sel = parseLabelSelector('cnpg.io/cluster=lab-postgres');
    assert.deepEqual(
      pods().filter((pod) => matchesLabelSelector(pod.metadata.labels, sel)).map((pod) => pod.metadata.name),
      ['lab-postgres-1', 'lab-postgres-2', 'lab-postgres-3'],
    );
  });

  it('prints a parsed selector back', () => {
    assert.equal(formatLabelSelector(parseLabelSelector('a=b, c!=d,e in (x, y),f,!g,h>1')), 'a=b,c!=d,e in (x,y),f,!g,h>1');
  });
});

describe('label selector errors', () => {
  const errors: Array<[string, RegExp]> = [
    ['role in (primary', /expected "," or "\)" after value "primary"/],
    ['role in primary', /expected "\(" after "in"/],
    ['role in ()', /"in" needs at least one value/],
    ['role=primary,', /expected a label key, found the end/],
    [',role', /expected a label key, found ","/],
    ['!', /expected a label key after "!"/],
    ['role primary', /expected "=", "==", "!=", "in", "notin", "," or the end after key "role"/],
    ['a=b c=d', /expected a label key|expected "," between requirements/],
    ['role=prim ary', /expected "," between requirements, found "ary"/],
    ['-bad=x', /invalid label key "-bad"/],
    ['Bad_Prefix.io/x=y', /invalid label key prefix "Bad_Prefix.io"/],
    ['role=-x', /invalid label value "-x"/],
    ['size>big', /">" needs a whole number/],
    ['a=b=c', /expected "," between requirements, found "="/],
  ];
  for (const [s, message] of errors) {
    it(JSON.stringify(s), () => {
      assert.throws(
        () => parseLabelSelector(s),
        (err: unknown) => err instanceof SelectorError && err.message.startsWith(`invalid label selector ${JSON.stringify(s)}`) && message.test(err.message),
      );
    });
  }
});

describe('field selectors', () => {
  const objects = [...pods().slice(0, 3), secret()];
  const cases: Array<[string, string[]]> = [
    ['', ['lab-postgres-1', 'lab-postgres-2', 'lab-postgres-3', 'my-postgres-app']],
    ['metadata.name=lab-postgres-2', ['lab-postgres-2']],
    ['metadata.name==lab-postgres-2', ['lab-postgres-2']],
    ['metadata.name!=lab-postgres-2', ['lab-postgres-1', 'lab-postgres-3', 'my-postgres-app']],
    ['metadata.namespace=default,status.phase=Running', ['lab-postgres-1', 'lab-postgres-2']],
    ['status.phase!=Running', ['lab-postgres-3', 'my-postgres-app']],
    ['status.phase=', ['my-postgres-app']],
    ['type=kubernetes.io/basic-auth', ['my-postgres-app']],
    ['spec.nodeName=laptop', ['lab-postgres-1', 'lab-postgres-2']],
    ['metadata.name=nothing', []],
  ];
  for (const [s, want] of cases) {
    it(JSON.stringify(s), () => {
      const sel = parseFieldSelector(s);
      assert.deepEqual(objects.filter((o) => matchesFieldSelector(o, sel)).map((o) => o.metadata.name), want);
    });
  }

  it('unescapes values', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b\\=c').requirements, [{ field: 'metadata.name', op: 'eq', value: 'a,b=c' }]);
  });

  const errors: Array<[string, RegExp]> = [
    ['metadata.name', /cannot understand "metadata.name"/],
    ['=x', /cannot understand "=x"/],
    ['spec.instances=3', /field label not supported: "spec.instances".*supported: metadata.name/],
    ['metadata.name=a\\b', /invalid escape "\\b"/],
  ];
  for (const [s, message] of errors) {
    it(`rejects ${JSON.stringify(s)}`, () => {
      assert.throws(() => parseFieldSelector(s), (err: unknown) => err instanceof SelectorError && message.test(err.message));
    });
  }
});
