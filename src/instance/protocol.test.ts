import test from 'node:test';
import assert from 'node:assert/strict';
import { ROUTES, matchRoute, routePath, type RouteName } from './protocol.js';

test('every route of the table is matched back from its own path, and no two routes share a method and path', () => {
  const seen = new Set<string>();
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const route = ROUTES[name];
    const key = `${route.method} ${route.path}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
    const path = routePath(name, { params: { name: 'a b/c' } } as never);
    assert.deepEqual(matchRoute(route.method, path.split('?')[0]!)?.name, name, `${key} from ${path}`);
  }
});

test('paths carry encoded parameters and the query, and unknown requests match nothing', () => {
  assert.equal(routePath('backupReport', { params: { name: 'daily/../x' } }), '/backups/daily%2F..%2Fx');
  assert.deepEqual(matchRoute('GET', '/backups/daily%2F..%2Fx'), { name: 'backupReport', params: { name: 'daily/../x' } });
  assert.equal(routePath('promote', { query: { minLsn: '0/3000060' } }), '/pg/promote?minLsn=0%2F3000060');
  assert.equal(routePath('promote', { query: {} }), '/pg/promote');
  assert.equal(routePath('promote'), '/pg/promote');
  assert.throws(() => routePath('backupReport'), /path parameter name/);
  assert.equal(matchRoute('POST', '/pg/status'), undefined, 'a known path with another method');
  assert.equal(matchRoute('GET', '/backups/'), undefined, 'an empty parameter');
  assert.equal(matchRoute('GET', '/backups/%E0%A4%A'), undefined, 'a malformed escape');
  assert.equal(matchRoute('GET', '/pg/status/extra'), undefined);
  assert.equal(matchRoute('DELETE', '/spec'), undefined);
});

test('only status, probes and backup reports are open without the token', () => {
  const open = (Object.keys(ROUTES) as RouteName[]).filter((n) => !ROUTES[n].token).sort();
  assert.deepEqual(open, ['backupReport', 'healthz', 'readyz', 'status']);
});
