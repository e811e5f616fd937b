import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, closestMatch, formatIssue, formatPath, msg } from './errors.js';

test('issues read Kind/name: path: problem (allowed: …)', () => {
  assert.equal(
    formatIssue({ kind: 'Cluster', name: 'x', path: 'spec.instances', message: msg.atLeast(1, 0) }),
    'Cluster/x: spec.instances: must be at least 1 (got 0)',
  );
  assert.equal(
    formatIssue({ kind: 'Cluster', name: 'x', path: 'spec.instnces', message: msg.unknownField('instnces', ['instances']), allowed: ['instances'] }),
    'Cluster/x: spec.instnces: unknown field, did you mean "instances"? (allowed: instances)',
  );
  assert.equal(formatIssue({ kind: '', name: '(document 2)', path: 'line 3, column 1', message: 'YAML syntax error: x' }), '(document 2): line 3, column 1: YAML syntax error: x');
  assert.equal(formatIssue({ kind: 'Pooler', name: 'p', path: '', message: 'm' }), 'Pooler/p: m');
});

test('ManifestError lists every issue, one per line', () => {
  const error = new ManifestError([
    { kind: 'Cluster', name: 'a', path: 'spec.instances', message: 'one' },
    { kind: 'Backup', name: 'b', path: 'spec.cluster', message: 'two' },
  ]);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'ManifestError');
  assert.equal(error.message, 'Cluster/a: spec.instances: one\nBackup/b: spec.cluster: two');
  assert.equal(error.issues.length, 2);
});

test('paths: dots for fields, brackets for indexes and unusual keys', () => {
  assert.equal(formatPath(['spec', 'managed', 'roles', 1, 'name']), 'spec.managed.roles[1].name');
  assert.equal(formatPath(['spec', 'postgresql', 'parameters', 'pg_stat_statements.max']), 'spec.postgresql.parameters[pg_stat_statements.max]');
  assert.equal(formatPath(['metadata', 'labels', 'cnpg.io/cluster']), 'metadata.labels[cnpg.io/cluster]');
});

test('did-you-mean only for near misses', () => {
  const fields = ['instances', 'imageName', 'storage', 'walStorage'];
  assert.equal(closestMatch('instnces', fields), 'instances');
  assert.equal(closestMatch('ImageName', fields), 'imageName');
  assert.equal(closestMatch('storag', fields), 'storage');
  assert.equal(closestMatch('replicas', fields), undefined);
});

test('type messages say what was found', () => {
  assert.equal(msg.wrongType('string', 200), 'must be a string, quote the value (got number 200)');
  assert.equal(msg.wrongType('string', true), 'must be a string, quote the value (got boolean true)');
  assert.equal(msg.wrongType('int', 'three'), 'must be an integer (got string "three")');
  assert.equal(msg.wrongType('array', {}), 'must be a list (got a mapping)');
  assert.equal(msg.oneOf(['a', 'b'], 'c'), 'must be one of: a, b (got "c")');
});
