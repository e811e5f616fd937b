import test from 'node:test';
import assert from 'node:assert/strict';
import { buildWait, versionStatus, withBuild } from './postgres-build-plan.js';
import type { InstanceConfig, ObservedInstance } from './types.js';

const primary = (serverVersion?: string, postgresVersion?: string): ObservedInstance => ({
  name: 'pg-1',
  serial: 1,
  running: true,
  ...(postgresVersion ? { postgresVersion } : {}),
  status: { name: 'pg-1', managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], ...(serverVersion ? { serverVersion } : {}) },
});

test('on Kubernetes (no build chosen) the version is what the instance reports, and configs name no build', () => {
  const v = versionStatus({}, 'ghcr.io/cloudnative-pg/postgresql:16.4', 16, primary('16.4'), undefined);
  // pgDataImageInfo describes the data's major and is major-upgrade.ts's to set.
  assert.deepEqual(v, { fields: { postgresVersion: '16.4', postgresResolution: undefined }, actions: [] });
  const config = { major: 16 } as InstanceConfig;
  assert.equal(withBuild(config, undefined, primary('16.4')), config);
});

test('locally: the resolved build, else (while fetching) the one the instance runs; the resolution said once', () => {
  const config = { major: 16 } as InstanceConfig;
  assert.equal(withBuild(config, { state: 'ready', requested: '16.14', version: '16.14' }, primary('16.13')).postgresVersion, '16.14');
  assert.equal(withBuild(config, { state: 'fetching', requested: '16.14' }, { ...primary(undefined, '16.13'), status: undefined }).postgresVersion, '16.13');
  assert.match(buildWait({ state: 'fetching', requested: '16.14' })?.reason ?? '', /^Fetching PostgreSQL 16\.14/);
  assert.equal(buildWait({ state: 'ready', requested: '16.14', version: '16.14' }), undefined);
  const build = { state: 'ready' as const, requested: '16.1', version: '16.13', note: '16.1 resolved to 16.13' };
  const first = versionStatus({}, 'pg:16.1', 16, primary('16.13'), build);
  assert.equal(first.fields.postgresResolution, '16.1 resolved to 16.13');
  assert.deepEqual(first.actions, [{ kind: 'recordEvent', type: 'Normal', reason: 'PostgresBuildResolved', message: 'PostgreSQL 16.1 resolved to 16.13' }]);
  assert.deepEqual(versionStatus({ postgresResolution: '16.1 resolved to 16.13' }, 'pg:16.1', 16, primary('16.13'), build).actions, []);
});
