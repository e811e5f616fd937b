import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logsTarget } from './logs.js';

test("kubectl's and the plugin's forms name the same targets", () => {
  assert.deepEqual(logsTarget(['cluster', 'pg']), { cluster: 'pg' });
  assert.deepEqual(logsTarget(['cluster/pg']), { cluster: 'pg' });
  assert.deepEqual(logsTarget(['pg-1']), { pod: 'pg-1' });
  assert.deepEqual(logsTarget(['pod/pg-1']), { pod: 'pg-1' });
  assert.deepEqual(logsTarget(['pod', 'pg-1']), { pod: 'pg-1' });
  assert.deepEqual(logsTarget(['po', 'pg-1']), { pod: 'pg-1' });
});

test('forms without a name, or of other kinds, are refused with the ones there are', () => {
  assert.throws(() => logsTarget(['pod/']), /pod name may not be empty \(use: logs cluster NAME, logs POD or logs pod\/POD\)/);
  assert.throws(() => logsTarget(['svc', 'pg-rw']), /cannot print logs of "svc"/);
  assert.throws(() => logsTarget(['cluster', 'a', 'b']), /expected one cluster or pod/);
});
