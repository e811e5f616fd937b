import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pyLiteral, pyRepr, type PyValue } from './python-literal.js';

test('pyRepr writes what Python repr() writes', () => {
  const cases: [PyValue, string][] = [
    [null, 'None'],
    [true, 'True'],
    [12, '12'],
    [1.5, '1.5'],
    ['a\nb', "'a\\nb'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['back\\slash\t\x01', "'back\\\\slash\\t\\x01'"],
    [['a', 1], "['a', 1]"],
    [{ total_time: 1.5, number_of_workers: 2 }, "{'total_time': 1.5, 'number_of_workers': 2}"],
  ];
  for (const [v, text] of cases) assert.equal(pyRepr(v), text);
  assert.equal(pyRepr(['tbs', 16385, '/x'], { tuple: true }), "('tbs', 16385, '/x')");
  assert.equal(pyRepr(['x'], { tuple: true }), "('x',)");
});

test('pyLiteral reads barman values back', () => {
  assert.deepEqual(pyLiteral("[('tbs1', 16387, '/var/lib/tbs1'), ('t2', 1, \"/o'k\")]"), [['tbs1', 16387, '/var/lib/tbs1'], ['t2', 1, "/o'k"]]);
  assert.deepEqual(pyLiteral("{'copy_time': 0.25, 'x': None, 'y': [True, False], 'z': -1e-05}"), { copy_time: 0.25, x: null, y: [true, false], z: -1e-5 });
  assert.equal(pyLiteral("'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\\nLABEL: x\\n'"), 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nLABEL: x\n');
  assert.equal(pyLiteral("'\\x41\\u00e9\\101'"), 'Aé\x41');
  assert.deepEqual(pyLiteral('(1,)'), [1]);
});

test('pyLiteral round-trips pyRepr', () => {
  const values: PyValue[] = ['tab\there "q" \'s\' \\ \u00e9\u0000', { a: [1, 2.5, null], b: { c: 'd' } }, []];
  for (const v of values) assert.deepEqual(pyLiteral(pyRepr(v)), v);
});

test('pyLiteral rejects what is not a literal', () => {
  for (const bad of ["'unterminated", '[1, 2', '__import__("os")', '{1 2}', '1 2']) assert.throws(() => pyLiteral(bad), /invalid Python literal/);
});
