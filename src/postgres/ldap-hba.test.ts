import test from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../api/hba-lines.js';
import { renderPgHba } from './hba.js';
import { ldapHbaRule, quoteHbaValue } from './ldap-hba.js';

test('simple bind: server, port, scheme, StartTLS, prefix and suffix, each value quoted', () => {
  assert.equal(
    ldapHbaRule({ server: 'ldap.example.com', port: 636, scheme: 'ldaps', tls: true, bindAsAuth: { prefix: 'uid=', suffix: ',ou=people,dc=example,dc=com' } }),
    'host all all 0.0.0.0/0 ldap ldapserver="ldap.example.com" ldapport=636 ldapscheme="ldaps" ldaptls=1 ldapprefix="uid=" ldapsuffix=",ou=people,dc=example,dc=com"',
  );
});

test('simple bind without prefix or suffix writes both empty, as CloudNativePG does; no port, scheme or tls unless given', () => {
  assert.equal(ldapHbaRule({ server: '10.0.0.5', bindAsAuth: { prefix: '', suffix: '' } }), 'host all all 0.0.0.0/0 ldap ldapserver="10.0.0.5" ldapprefix="" ldapsuffix=""');
});

test('search+bind: base DN, bind DN, the password handed in, then the filter or the attribute', () => {
  const search = { baseDN: 'ou=people,dc=example,dc=com', bindDN: 'cn=reader,dc=example,dc=com' };
  assert.equal(
    ldapHbaRule({ server: 'ldap', bindSearchAuth: { ...search, searchFilter: '(&(uid=$username)(objectClass=person))' } }, 's3cret'),
    'host all all 0.0.0.0/0 ldap ldapserver="ldap" ldapbasedn="ou=people,dc=example,dc=com" ldapbinddn="cn=reader,dc=example,dc=com" ldapbindpasswd="s3cret" ldapsearchfilter="(&(uid=$username)(objectClass=person))"',
  );
  assert.equal(
    ldapHbaRule({ server: 'ldap', bindSearchAuth: { ...search, searchAttribute: 'uid' } }),
    'host all all 0.0.0.0/0 ldap ldapserver="ldap" ldapbasedn="ou=people,dc=example,dc=com" ldapbinddn="cn=reader,dc=example,dc=com" ldapbindpasswd="" ldapsearchattribute="uid"',
  );
});

test('a double quote is doubled; blanks, commas, # and backslashes stay inside the one token', () => {
  const password = 'p"w #1, \\x "';
  assert.equal(quoteHbaValue(password, 'x'), '"p""w #1, \\x """');
  const rule = ldapHbaRule({ server: 'ldap', bindSearchAuth: { baseDN: 'dc=a', bindDN: 'cn=b' } }, password);
  // The project's reading of a rule agrees that the option is one field (its doubled quote read as two quoted parts).
  const fields = tokenize(rule);
  assert.equal(fields.length, 9);
  assert.equal(fields[8]?.[0]?.text, 'ldapbindpasswd=pw #1, \\x ');
});

test('a control character in any value is refused naming the field, never showing the value', () => {
  assert.throws(() => ldapHbaRule({ server: 'ldap\nhost all all all trust', bindAsAuth: { prefix: '', suffix: '' } }), /spec\.postgresql\.ldap\.server.*control character/);
  assert.throws(() => ldapHbaRule({ server: 'ldap', bindAsAuth: { prefix: 'uid=\t', suffix: '' } }), /spec\.postgresql\.ldap\.bindAsAuth\.prefix/);
  assert.throws(() => ldapHbaRule({ server: 'ldap', bindSearchAuth: { baseDN: 'dc=a', bindDN: 'cn=b', searchFilter: '(uid=$username)\r' } }), /bindSearchAuth\.searchFilter/);
  assert.throws(
    () => ldapHbaRule({ server: 'ldap', bindSearchAuth: { baseDN: 'dc=a', bindDN: 'cn=b' } }, 'hunter2\n'),
    (e: Error) => /bindSearchAuth\.bindPassword names/.test(e.message) && !e.message.includes('hunter2'),
  );
  assert.throws(() => ldapHbaRule({ server: 'ldap', port: 70000, bindAsAuth: { prefix: '', suffix: '' } }), /ldap\.port to pg_hba\.conf: 70000 is not a port number/);
});

test("pg_hba.conf: the LDAP rule follows the user's rules and precedes the default rule", () => {
  const hba = renderPgHba({
    userLines: ['host all ldapuser 10.0.0.0/8 ldap ldapserver=ldap ldapprefix="uid=" ldapsuffix=",dc=x"'],
    major: 15,
    ldap: { server: 'ldap', bindSearchAuth: { baseDN: 'dc=x', bindDN: 'cn=r,dc=x' } },
    ldapBindPassword: 'pw',
  }).split('\n');
  const user = hba.findIndex((l) => l.startsWith('host all ldapuser'));
  const ldap = hba.findIndex((l) => l.startsWith('host all all 0.0.0.0/0 ldap'));
  const fallback = hba.indexOf('host all all all scram-sha-256');
  assert.ok(user > 0 && user < ldap && ldap < fallback, hba.join('\n'));
  assert.ok(hba[ldap]?.includes('ldapbindpasswd="pw"'));
  assert.ok(!renderPgHba({ userLines: [], major: 15 }).includes('ldap'), 'no ldap spec, no rule');
});
