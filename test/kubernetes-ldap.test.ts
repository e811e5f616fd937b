// spec.postgresql.ldap on a real kube-apiserver: the bind password from a Secret reaches the
// instance Pod's pg_hba.conf through its credentials, a login as the LDAP user against a real
// slapd succeeds with the right password and fails with a wrong one, and a password rotated in
// the Secret reaches the Pod.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import { startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { canLogIn } from './support/login.js';
import { createCluster, readCluster } from './support/operator.js';
import { PEOPLE, SUFFIX, Slapd, hasSlapd } from './support/slapd.js';

const skip = hasSlapd() ? false : 'needs Debian slapd and ldap-utils (apt-get install slapd ldap-utils)';
const slapd = new Slapd();
const ALICE = { uid: 'alice', password: 'alice-ldap-pw' };
const READER = { uid: 'reader', password: 'reader-one' };
let k: KubeOperatorEnv;

// Labelled as CloudNativePG asks for a Secret whose change the operator should act on at once.
const secretBody = (password: string) => ({ metadata: { name: 'ldap-bind', namespace: 'default', labels: { 'cnpg.io/reload': 'true' } }, stringData: { password } });

function logsIn(password: string): Promise<boolean> {
  const ip = k.kubelet.ipOf('pg-1');
  if (!ip) throw new Error('pg-1 has no address');
  const url = new URL(`postgresql://${ip}:5432/app`);
  url.username = 'alice';
  url.password = password;
  return canLogIn(url.toString());
}

before(async () => {
  if (skip) return;
  await slapd.start([ALICE], [READER]);
  k = await startKubeOperatorEnv();
  const { kc, kubelet, operator } = k;
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: secretBody(READER.password) });
  await createCluster(kc, 'pg', {
    instances: 1,
    storage: { size: '1Gi' },
    managed: { roles: [{ name: 'alice', login: true }] },
    postgresql: {
      // The stand-in kubelet's Pods share the host's network: the directory is on its loopback.
      ldap: {
        server: '127.0.0.1',
        port: slapd.port,
        bindSearchAuth: { baseDN: PEOPLE, bindDN: `cn=reader,${SUFFIX}`, bindPassword: { name: 'ldap-bind', key: 'password' }, searchAttribute: 'uid' },
      },
    },
  });
  const outcome = await eventually('a healthy cluster', async () => {
    if (!operator.running) return `the operator exited (${operator.child.exitCode})`;
    const obj = await readCluster(kc, 'pg');
    return obj.status?.phase === 'Cluster in healthy state' && 'healthy';
  }, 240_000, 500).catch((e: Error) => e.message);
  if (outcome !== 'healthy') throw new Error(`${outcome}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}`);
});

after(async () => {
  await k?.stop();
  await slapd.stop();
});

test("search+bind with the Secret's bind password: right password in, wrong one out, a rotation followed", { skip, timeout: 240_000 }, async () => {
  await eventually('alice in through LDAP', () => logsIn(ALICE.password), 90_000, 1000);
  assert.equal(await logsIn('wrong'), false);
  slapd.setServicePassword(READER.uid, 'reader-two');
  assert.equal(await logsIn(ALICE.password), false, 'the old bind password no longer binds');
  await k.kc.makeApiClient(CoreV1Api).replaceNamespacedSecret({ name: 'ldap-bind', namespace: 'default', body: secretBody('reader-two') });
  await eventually('alice in with the rotated bind password', () => logsIn(ALICE.password), 90_000, 1000);
  const cluster = JSON.stringify(await readCluster(k.kc, 'pg'));
  assert.ok(!cluster.includes('reader-one') && !cluster.includes('reader-two'), 'no bind password in the Cluster or its status');
});
