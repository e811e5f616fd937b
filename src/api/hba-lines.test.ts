import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hbaLineProblem, identLineProblem, tokenize } from './hba-lines.js';

test('pg_hba lines PostgreSQL accepts', () => {
  for (const line of [
    'host app app 10.0.0.0/8 scram-sha-256',
    'hostssl all all 0.0.0.0/0 cert clientcert=verify-full',
    'hostnossl "my db",other +admins ::1/128 md5',
    'host all all 192.168.1.0 255.255.255.0 reject',
    'host all all .example.com scram-sha-256',
    'host all all samenet trust # a comment',
    'local all all peer map=local',
    'hostgssenc all all all gss include_realm=0 krb_realm=EXAMPLE.COM',
    'host all all all ldap ldapserver=ldap.example.com ldapprefix="cn=" ldapsuffix=", dc=example, dc=com"',
    '   ',
    '# only a comment',
  ]) {
    assert.equal(hbaLineProblem(line), undefined, line);
  }
});

const badHba: Array<[string, RegExp]> = [
  ['host all all 0.0.0.0/0 trust\nhost all all all trust', /control character/],
  ['host\tall all all trust', /control character/],
  ['hots all all all trust', /connection type must be one of local, host, hostssl/],
  ['host all', /missing the user field/],
  ['host all all', /missing the address field/],
  ['host all all 10.0.0.0/33 md5', /prefix length must be 0-32/],
  ['host all all 10.0.0.300/8 md5', /is not an IP address/],
  ['host all all 10.0.0.1 md5', /needs a \/prefix length or a separate IPv4 mask/],
  ['host all all bad_host! md5', /is not a CIDR, all, samehost, samenet or a host name/],
  ['host all all all', /missing the authentication method/],
  ['host all all all scram', /authentication method "scram" is not one of/],
  ['host all all all md5 foo', /option "foo" must be name=value/],
  ['host all all all md5 frob=1', /unknown authentication option "frob"/],
  ['host @/etc/passwd all all md5', /@file inclusion is not allowed/],
  ['host all all all "md5', /unterminated double quote/],
  ['host all, all md5', /missing the address field/],
  ['host all,,x all all md5', /empty item/],
  ['include /etc/passwd', /connection type must be one of/],
];
for (const [line, message] of badHba) {
  test(`pg_hba ${JSON.stringify(line)} is refused`, () => assert.match(hbaLineProblem(line) ?? '(accepted)', message));
}

test('pg_ident: map, system user (or /regex), database user', () => {
  assert.equal(identLineProblem('mymap /^(.*)@example\\.com$ \\1'), undefined);
  assert.equal(identLineProblem('local postgres app'), undefined);
  assert.match(identLineProblem('local postgres') ?? '', /three fields.*\(got 2\)/);
  assert.match(identLineProblem('local postgres app extra') ?? '', /\(got 4\)/);
  assert.match(identLineProblem('local postgres app\nlocal root postgres') ?? '', /control character/);
  assert.match(identLineProblem('include_dir /etc') ?? '', /file inclusion is not allowed/);
  assert.match(identLineProblem('m a,b c') ?? '', /one non-empty name/);
});

test('quoted tokens keep blanks, commas and # inside', () => {
  assert.deepEqual(tokenize('a "b c,#d" e,f'), [[{ text: 'a', quoted: false }], [{ text: 'b c,#d', quoted: true }], [{ text: 'e', quoted: false }, { text: 'f', quoted: false }]]);
});
