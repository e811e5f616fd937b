import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { fixture } from '../api/testing.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import { instanceTimings } from './timings.js';

const cluster = (spec: Record<string, unknown>): Cluster => fixture('Cluster', { instances: 1, ...spec }, { namespace: 'default', generation: 1 });

test('the timings reach the instances only when one differs from the default, so other Clusters keep their configuration hash', () => {
  assert.deepEqual(instanceTimings(cluster({})), {});
  assert.deepEqual(instanceTimings(cluster({ smartShutdownTimeout: 180, stopDelay: 1800, switchoverDelay: 3600 })), {});
  assert.deepEqual(instanceTimings(cluster({ smartShutdownTimeout: 5, stopDelay: 60 })), { timings: { smartShutdownTimeout: 5, stopDelay: 60, switchoverDelay: 3600 } });
  assert.deepEqual(instanceTimings(cluster({ postgresql: { promotionTimeout: 30 } })), { timings: { smartShutdownTimeout: 180, stopDelay: 1800, switchoverDelay: 3600, promotionTimeout: 30 } });
  const topology = { primary: 'pg-1', instances: ['pg-1'] };
  assert.equal(configHash(desiredInstanceConfig(cluster({}), 'pg-1', topology, 15)), configHash(desiredInstanceConfig(cluster({ stopDelay: 1800 }), 'pg-1', topology, 15)));
  assert.equal(desiredInstanceConfig(cluster({ switchoverDelay: 10 }), 'pg-1', topology, 15).timings?.switchoverDelay, 10);
});
