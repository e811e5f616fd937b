import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAzureURL } from './azure-url.js';

test('an Azure URL names the account in its host and the container first in its path', () => {
  assert.deepEqual(parseAzureURL('https://acct.blob.core.windows.net/backups/pg/one'), {
    serviceURL: 'https://acct.blob.core.windows.net',
    account: 'acct',
    container: 'backups',
    prefix: 'pg/one/',
    emulated: false,
  });
  assert.equal(parseAzureURL('https://acct.blob.core.windows.net/backups').prefix, '');
});

test('an emulator URL names the account first in its path, as barman-cloud reads it', () => {
  assert.deepEqual(parseAzureURL('http://127.0.0.1:10000/devstoreaccount1/backups/pg/'), {
    serviceURL: 'http://127.0.0.1:10000/devstoreaccount1',
    account: 'devstoreaccount1',
    container: 'backups',
    prefix: 'pg/',
    emulated: true,
  });
});

test('a URL without container is refused with the accepted forms', () => {
  assert.throws(() => parseAzureURL('https://acct.blob.core.windows.net/'), /use https:\/\/ACCOUNT\.blob\.core\.windows\.net\/CONTAINER\/path/);
  assert.throws(() => parseAzureURL('http://127.0.0.1:10000/devstoreaccount1'), /invalid Azure destinationPath/);
  assert.throws(() => parseAzureURL('s3://x/y'), /invalid Azure destinationPath/);
});
