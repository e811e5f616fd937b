import test from 'node:test';
import assert from 'node:assert/strict';
import { renderVerboseSections } from './status-verbose.js';

const now = new Date('2026-12-05T12:00:00Z');

test('-v -v: the primary\'s files, then the certificates with the days left', () => {
  const text = renderVerboseSections(
    { postgresqlConf: "port = '5432'\n", pgHbaConf: 'local all all peer', errors: [] },
    { serverCASecret: 'pg-ca', serverTLSSecret: 'pg-server', clientCASecret: 'pg-ca', expirations: { 'pg-server': '2027-03-05 12:00:00 +0000 UTC', 'pg-ca': '2027-03-06 00:00:00 +0000 UTC' } },
    now,
  );
  assert.equal(
    text,
    [
      'PostgreSQL Configuration',
      "port = '5432'",
      '',
      'PostgreSQL HBA Rules',
      'local all all peer',
      '',
      'Certificates Status',
      'Certificate Name  Expiration Date                Days Left Until Expiration',
      '----------------  ---------------                --------------------------',
      'pg-ca             2027-03-06 00:00:00 +0000 UTC  90',
      'pg-server         2027-03-05 12:00:00 +0000 UTC  90',
      '',
      '',
    ].join('\n'),
  );
});

test('a file that could not be read is listed as an error, and the rest is printed', () => {
  const text = renderVerboseSections({ pgHbaConf: 'local all all peer\n', errors: ['cannot read postgresql.conf of pg-1 within 10s (--timeout): timed out'] }, undefined, now);
  assert.match(text, /^PostgreSQL Configuration\n\(not available\)\n/);
  assert.match(text, /Certificates Status\nNone\n/);
  assert.match(text, /Error\(s\) extracting status\ncannot read postgresql\.conf of pg-1 within 10s \(--timeout\): timed out\n/);
});
