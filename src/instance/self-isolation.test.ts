import test from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceSpec } from './spec.js';
import { IsolationWatch } from './self-isolation.js';

/** A primary whose only peer never answers (a closed port on the loopback). */
function primary(over: Partial<InstanceSpec>): InstanceSpec {
  return { role: 'primary', peers: [{ name: 'pg-2', host: '127.0.0.1', statusPort: 1 }], isolationTimeoutMs: 300, ...over } as InstanceSpec;
}

async function isolatedWithin(spec: InstanceSpec, ms: number): Promise<string | undefined> {
  let reason: string | undefined;
  const watch = new IsolationWatch({ spec: () => spec, guarded: () => true, isolate: (r) => Promise.resolve(void (reason = r)) });
  try {
    await sleep(ms);
  } finally {
    watch.stop();
  }
  return reason;
}

test('a primary cut off from every peer and the control plane isolates itself, unless probes.liveness.isolationCheck is disabled', async () => {
  assert.match((await isolatedWithin(primary({}), 2500)) ?? '', /no contact/);
  assert.equal(await isolatedWithin(primary({ isolationCheck: { enabled: false, requestTimeoutMs: 1000, connectionTimeoutMs: 1000 } }), 2500), undefined);
});
