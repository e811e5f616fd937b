// bootstrap.initdb's locale settings end up in the database as CloudNativePG's would put them:
// localeCollate and localeCType default to C (shown in the Cluster), and initdb lets them win over
// `locale`. The argv itself is unit-tested in src/instance/initdb.test.ts.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { waitReady } from './support/backup.js';
import { TestEnv } from './support/env.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const CLUSTER = 'locale';

interface InitdbShown {
  spec: { bootstrap: { initdb: { locale?: string; localeCollate?: string; localeCType?: string } } };
}

before(async () => {
  // C.UTF-8 is a locale every Debian has; en_US.UTF-8 need not be generated on the test machine.
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: CLUSTER, spec: { bootstrap: { initdb: { locale: 'C.UTF-8', localeCType: 'C.UTF-8' } } } }));
  await waitReady(env, CLUSTER);
});

after(() => env.cleanup());

test('the Cluster shows the defaulted localeCollate, and the database has exactly what it shows', { timeout: 60_000 }, async () => {
  const shown = (await env.json<InitdbShown>(['get', 'cluster', CLUSTER])).spec.bootstrap.initdb;
  assert.deepEqual({ locale: shown.locale, localeCollate: shown.localeCollate, localeCType: shown.localeCType }, { locale: 'C.UTF-8', localeCollate: 'C', localeCType: 'C.UTF-8' });

  const raw = await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}']);
  const c = new pg.Client({ connectionString: Buffer.from(raw.trim(), 'base64').toString('utf8'), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const r = await c.query<{ datname: string; datcollate: string; datctype: string }>(
      "SELECT datname, datcollate, datctype FROM pg_database WHERE datname IN ('app', 'postgres', 'template1') ORDER BY datname",
    );
    assert.deepEqual(r.rows, [
      { datname: 'app', datcollate: shown.localeCollate, datctype: shown.localeCType },
      { datname: 'postgres', datcollate: shown.localeCollate, datctype: shown.localeCType },
      { datname: 'template1', datcollate: shown.localeCollate, datctype: shown.localeCType },
    ]);
  } finally {
    await c.end();
  }
});
