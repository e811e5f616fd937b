// spec.managed.services and spec.podSelectorRefs on the local platform: a disabled default service
// has no endpoint, an additional one gets its own port routed like its selectorType and is listed
// by `cnpg get svc`; a ${podselector:NAME} pg_hba line matching the cluster's own instances becomes
// a 127.0.0.1/32 line in the running server's rules.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { TestEnv, eventually } from './support/env.js';

const env = new TestEnv();
const NS = 'svc';

const cluster = (additional: string) => `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: shop
  namespace: ${NS}
spec:
  instances: 1
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  podSelectorRefs:
    - name: own
      selector:
        matchLabels:
          cnpg.io/cluster: shop
    - name: nobody
      selector:
        matchExpressions:
          - { key: app, operator: In, values: [web] }
  postgresql:
    pg_hba:
      - host sales sales \${podselector:own} scram-sha-256
      - host sales sales \${podselector:nobody} trust
  managed:
    services:
      disabledDefaultServices: [ro]
      additional:
${additional}
`;

const extra = `
        - selectorType: rw
          serviceTemplate:
            metadata:
              name: shop-extra
              labels: { team: sales }
`;

interface Svc {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { clusterIP: string; ports: Array<{ port: number }> };
}

const services = async () => (await env.json<{ items: Svc[] }>(['get', 'svc', '-n', NS])).items;

let superuser: URL;

before(async () => {
  await env.ok(['apply', '-f', '-'], cluster(extra));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/shop', '-n', NS, '--timeout=180s'], undefined, 200_000);
  const s = await env.json<{ data: Record<string, string> }>(['get', 'secret', 'shop-superuser', '-n', NS]);
  superuser = new URL(Buffer.from(s.data.uri ?? '', 'base64').toString('utf8'));
  superuser.pathname = '/postgres';
});

after(() => env.cleanup());

async function inRecoveryThrough(svc: Svc): Promise<boolean> {
  const url = new URL(superuser);
  url.hostname = svc.spec.clusterIP;
  url.port = String(svc.spec.ports[0]?.port);
  const c = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r ?? true;
  } finally {
    await c.end();
  }
}

test('a disabled default service is gone; an additional one reaches the primary on its own port', async () => {
  const list = await eventually('shop-extra listed', async () => {
    const l = await services();
    return l.some((s) => s.metadata.name === 'shop-extra') ? l : undefined;
  }, 30_000);
  const names = list.map((s) => s.metadata.name).sort();
  assert.deepEqual(names, ['shop-extra', 'shop-r', 'shop-rw']);
  const svc = list.find((s) => s.metadata.name === 'shop-extra') as Svc;
  assert.equal(svc.metadata.labels?.team, 'sales');
  assert.equal(svc.metadata.labels?.['cnpg.io/isManaged'], 'true');
  const rw = list.find((s) => s.metadata.name === 'shop-rw') as Svc;
  assert.notEqual(svc.spec.ports[0]?.port, rw.spec.ports[0]?.port);
  const answer = await eventually('shop-extra answers', () => inRecoveryThrough(svc).then((r) => ({ inRecovery: r }), () => undefined), 30_000);
  assert.deepEqual(answer, { inRecovery: false });
});

test('an additional service taken out of the spec is removed, and its port closed', async () => {
  const svc = (await services()).find((s) => s.metadata.name === 'shop-extra') as Svc;
  await env.ok(['apply', '-f', '-'], cluster('        []'));
  await eventually('shop-extra gone', async () => !(await services()).some((s) => s.metadata.name === 'shop-extra'), 30_000);
  await eventually('its port refuses', async () => inRecoveryThrough(svc).then(() => false, () => true), 30_000);
});

test('${podselector:NAME} lines: the own instances as 127.0.0.1/32, a selector matching nothing as no line', async () => {
  const rules = await eventually('expanded rule loaded', async () => {
    const c = new pg.Client({ connectionString: superuser.toString(), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      const r = await c.query<{ address: string; netmask: string; auth_method: string }>("SELECT address, netmask, auth_method FROM pg_hba_file_rules WHERE 'sales' = ANY(database)");
      return r.rows.length > 0 ? r.rows : undefined;
    } finally {
      await c.end();
    }
  }, 60_000);
  assert.deepEqual(rules, [{ address: '127.0.0.1', netmask: '255.255.255.255', auth_method: 'scram-sha-256' }]);
  const status = await env.json<{ status: { podSelectorRefs?: unknown } }>(['get', 'cluster', 'shop', '-n', NS]);
  assert.deepEqual(status.status.podSelectorRefs, [{ name: 'own', ips: ['127.0.0.1'] }, { name: 'nobody' }]);
});

test('an unknown ${podselector:NAME} in pg_hba is refused at apply, with its field path', async () => {
  const r = await env.run(['apply', '-f', '-'], cluster(extra).replace('${podselector:nobody}', '${podselector:typo}'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.postgresql\.pg_hba\[1\].*podselector:typo.*names no entry of spec\.podSelectorRefs/);
});
