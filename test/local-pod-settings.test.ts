// spec.env on the local platform: a plain value reaches PostgreSQL's environment, and a change
// restarts PostgreSQL so that it does (as recreating the Pod does on Kubernetes).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';

const env = new TestEnv();
after(() => env.cleanup());

const cluster = (value: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: envy
spec:
  instances: 1
  storage:
    size: 1Gi
  logLevel: warning
  env:
    - name: APP_REGION
      value: ${value}
`;

/**
 * APP_REGION in the postmaster's environment, which its backends inherit. (A backend's own
 * /proc/PID/environ is where PostgreSQL writes its process title on Linux.)
 */
function regionSeenByPostgres(): string | undefined {
  try {
    const pid = readFileSync(join(env.home, 'instances', 'default', 'envy', 'envy-1', 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0];
    const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return vars.find((v) => v.startsWith('APP_REGION='))?.slice('APP_REGION='.length);
  } catch {
    return undefined;
  }
}

test('spec.env values reach PostgreSQL locally, and a new value restarts it with them', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], cluster('eu-south'));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/envy', '--timeout=180s'], undefined, 200_000);
  assert.equal(regionSeenByPostgres(), 'eu-south');

  await env.ok(['apply', '-f', '-'], cluster('eu-north'));
  await eventually('PostgreSQL restarted with the new value', () => Promise.resolve(regionSeenByPostgres() === 'eu-north'), 120_000, 500);
});
