import test from 'node:test';
import assert from 'node:assert/strict';
import { renderFiles, type Placement } from './files.js';
import type { PoolerHandout } from './handout.js';
import { HandoutError } from './handout-error.js';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBc2VydmVy\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIBa2V5\n-----END PRIVATE KEY-----\n';

const placement: Placement = { runDir: '/run/pooler', socketDir: '/run/pooler/socket', listenAddr: '127.0.0.1', listenPort: 6432, reusePort: true, adminPassword: 'abc123' };

const handout = (over: Partial<PoolerHandout> = {}): PoolerHandout => ({
  settings: { pool_mode: 'transaction', auth_type: 'hba', auth_user: 'cnpg_pooler_pgbouncer', auth_query: 'SELECT usename, passwd FROM public.user_search($1)', ignore_startup_parameters: 'extra_float_digits,options' },
  target: { host: 'db-rw.default.svc', port: 5432 },
  hba: ['host all all 0.0.0.0/0 scram-sha-256'],
  users: [],
  serverTLS: { ca: PEM_CERT, client: { cert: PEM_CERT, key: PEM_KEY } },
  clientTLS: { server: { cert: PEM_CERT, key: PEM_KEY } },
  paused: false,
  ...over,
});

const file = (h: PoolerHandout, name: string) => renderFiles(h, placement).find((f) => f.name === name);

function refused(h: PoolerHandout): string[] {
  try {
    renderFiles(h, placement);
  } catch (e) {
    assert.ok(e instanceof HandoutError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('the handout was rendered');
}

test('pgbouncer.ini: the * database, the handout settings in order, and the manager owns paths, address and admin', () => {
  const ini = file(handout(), 'pgbouncer.ini')!.content;
  assert.match(ini, /^\[databases\]\n\* = host=db-rw\.default\.svc port=5432\n$/m);
  const settings = ini.split('[pgbouncer]\n')[1]!.trim().split('\n');
  assert.deepEqual(
    settings.map((l) => l.split(' = ')[0]),
    [...settings.map((l) => l.split(' = ')[0]!)].sort(),
    'settings are sorted, so the same handout gives the same bytes',
  );
  for (const line of [
    'listen_addr = 127.0.0.1',
    'listen_port = 6432',
    'unix_socket_dir = /run/pooler/socket',
    'admin_users = pgbouncer',
    'auth_file = /run/pooler/userlist.txt',
    'auth_hba_file = /run/pooler/pg_hba.conf',
    'so_reuseport = 1',
    'server_tls_ca_file = /run/pooler/server-tls-ca.crt',
    'server_tls_key_file = /run/pooler/server-tls.key',
    'client_tls_cert_file = /run/pooler/client-tls.crt',
    'auth_query = SELECT usename, passwd FROM public.user_search($1)',
    'pool_mode = transaction',
  ]) {
    assert.ok(settings.includes(line), `${line} in\n${ini}`);
  }
  assert.ok(!ini.includes('client_tls_ca_file'), 'no client CA file without a client CA');
  assert.deepEqual(renderFiles(handout(), placement), renderFiles(handout(), placement));
});

test('keys and every file with a secret are 0600; the admin line comes before the handout hba lines', () => {
  const files = renderFiles(handout({ users: [{ name: 'auth "user"', password: 'p"w' }] }), placement);
  const mode = (n: string) => files.find((f) => f.name === n)?.mode;
  assert.equal(mode('server-tls.key'), 0o600);
  assert.equal(mode('client-tls.key'), 0o600);
  assert.equal(mode('userlist.txt'), 0o600);
  assert.equal(mode('pgbouncer.ini'), 0o600);
  const hba = files.find((f) => f.name === 'pg_hba.conf')!.content.split('\n');
  assert.deepEqual(hba.slice(1, 3), ['local pgbouncer pgbouncer trust', 'host all all 0.0.0.0/0 scram-sha-256']);
  const userlist = files.find((f) => f.name === 'userlist.txt')!.content;
  assert.equal(userlist, '"pgbouncer" "abc123"\n"auth ""user""" "p""w"\n');
});

test('a value with a line break, or any control character, is refused with its path: no injected line or section', () => {
  const issues = refused(
    handout({
      settings: { pool_mode: 'transaction\n[databases]\nevil = host=attacker', application_name_add_host: '1\r', server_reset_query: 'DISCARD ALL\u0000' },
      hba: ['host all all 0.0.0.0/0 trust\nlocal all all trust'],
      users: [{ name: 'u\tx', password: 'pw\n"admin" "x"' }],
    }),
  );
  assert.deepEqual(
    issues.map((i) => i.split(':')[0]),
    ['settings.pool_mode', 'settings.application_name_add_host', 'settings.server_reset_query', 'hba[0]', 'users[0].name', 'users[0].password'],
  );
  assert.match(issues[0]!, /control character U\+000A .*not allowed/);
  assert.match(refused(handout({ settings: { ignore_startup_parameters: 'options\u0085' } }))[0]!, /U\+0085/);
});

test('settings the manager owns, names that are not setting names, and blanks PgBouncer would drop are refused', () => {
  const issues = refused(handout({ settings: { listen_port: '5432', unix_socket_dir: '/tmp', auth_file: '/etc/shadow', user: 'root', 'pool_mode = x\n': 'y', Pool_Mode: 'session', max_client_conn: ' 100' } }));
  assert.deepEqual(issues, [
    'settings.listen_port: is set by the pooler manager from where it runs, not by the handout',
    'settings.unix_socket_dir: is set by the pooler manager from where it runs, not by the handout',
    'settings.auth_file: is set by the pooler manager from where it runs, not by the handout',
    'settings.user: is set by the pooler manager from where it runs, not by the handout',
    'settings.pool_mode = x\n: is not a PgBouncer setting name (lower-case letters, digits and underscores)',
    'settings.Pool_Mode: is not a PgBouncer setting name (lower-case letters, digits and underscores)',
    'settings.max_client_conn: begins or ends with a blank, which PgBouncer would drop; remove it',
  ]);
});

test('the target must be a host (or socket folder) and a port; nothing that could add connection options', () => {
  assert.deepEqual(refused(handout({ target: { host: 'db port=1 dbname=other', port: 0 } })), [
    'target.host: must be a host name, an IP address or an absolute socket folder (letters, digits, . _ : - /)',
    'target.port: must be a port number from 1 to 65535',
  ]);
  assert.match(file(handout({ target: { host: '::1', port: 5433 } }), 'pgbouncer.ini')!.content, /^\* = host=::1 port=5433$/m);
  assert.match(file(handout({ target: { host: '/var/run/postgresql', port: 5432 } }), 'pgbouncer.ini')!.content, /^\* = host=\/var\/run\/postgresql port=5432$/m);
});

test('users: the admin name is the manager\'s, names are unique and not empty; TLS material must be PEM', () => {
  assert.deepEqual(refused(handout({ users: [{ name: 'pgbouncer', password: 'x' }, { name: 'a', password: '' }, { name: 'a', password: 'y' }, { name: '', password: 'z' }] })), [
    "users[0].name: pgbouncer is the admin console's user, which the manager keeps for itself",
    'users[2].name: a is listed twice',
    'users[3].name: must not be empty',
  ]);
  assert.deepEqual(refused(handout({ serverTLS: { ca: 'not a certificate' }, clientTLS: { server: { cert: PEM_CERT, key: '' }, ca: 'x' } })), [
    'serverTLS.ca: must be PEM text (-----BEGIN … -----END …)',
    'clientTLS.server.key: must be PEM text (-----BEGIN … -----END …)',
    'clientTLS.ca: must be PEM text (-----BEGIN … -----END …)',
  ]);
});

test('a client CA adds client_tls_ca_file; without clientTLS no client certificate is configured', () => {
  assert.match(file(handout({ clientTLS: { server: { cert: PEM_CERT, key: PEM_KEY }, ca: PEM_CERT } }), 'pgbouncer.ini')!.content, /^client_tls_ca_file = \/run\/pooler\/client-tls-ca\.crt$/m);
  const names = renderFiles(handout({ clientTLS: undefined, serverTLS: { ca: PEM_CERT } }), placement).map((f) => f.name);
  assert.deepEqual(names.sort(), ['pg_hba.conf', 'pgbouncer.ini', 'server-tls-ca.crt', 'userlist.txt']);
});
