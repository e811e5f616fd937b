import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { freeEndpointPort, freePort } from './ports.js';

test('endpoint ports never come from the ephemeral range that every other port of ours (and of other daemons) comes from', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const endpoints = await Promise.all(Array.from({ length: 30 }, () => freeEndpointPort()));
  assert.equal(new Set(endpoints).size, endpoints.length, 'each handed out once');
  for (const p of endpoints) assert.ok(p >= 20_000 && p < low, `${p} below ${low}`);
  const other = await freePort();
  assert.ok(other >= low, `${other} is an ephemeral port`);
});
