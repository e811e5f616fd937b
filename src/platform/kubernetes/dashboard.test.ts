import test from 'node:test';
import assert from 'node:assert/strict';
import { dashboardPort } from './dashboard.js';

test('DASHBOARD_PORT is a port number, or a clear error naming it', () => {
  assert.equal(dashboardPort('8090'), 8090);
  assert.equal(dashboardPort('0'), 0);
  for (const bad of ['abc', '80a', '-1', '65536', ' 80']) assert.throws(() => dashboardPort(bad), /^Error: DASHBOARD_PORT: ".*" is not a port number \(0-65535; empty turns the dashboard off\)$/, bad);
});
