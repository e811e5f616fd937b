import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTablespaces, tablespaceStatement } from './tablespaces.js';
import type { TablespaceLayout } from './storage-layout.js';

const tbs = (name: string, owner = 'app'): TablespaceLayout => ({ name, owner, temporary: false, directory: `/d/${name}`, location: `/l/${name}` });

test('tablespaces missing are created, a wrong owner is corrected, others in the catalog are left alone', () => {
  const steps = planTablespaces(
    [
      { name: 'kept', owner: 'app' },
      { name: 'moved', owner: 'postgres' },
      { name: 'by_hand', owner: 'postgres' },
    ],
    [tbs('kept'), tbs('moved'), tbs('new')],
  );
  assert.deepEqual(steps.map((s) => [s.tablespace.name, s.kind]), [['kept', 'none'], ['moved', 'alter-owner'], ['new', 'create']]);
});

test('statements quote names, owners and locations', () => {
  const odd = { ...tbs('Tbs"x', 'my "owner"'), location: "/l/it's" };
  assert.equal(tablespaceStatement({ kind: 'create', tablespace: odd }), `CREATE TABLESPACE "Tbs""x" OWNER "my ""owner""" LOCATION '/l/it''s'`);
  assert.equal(tablespaceStatement({ kind: 'alter-owner', tablespace: odd }), `ALTER TABLESPACE "Tbs""x" OWNER TO "my ""owner"""`);
  assert.equal(tablespaceStatement({ kind: 'none', tablespace: odd }), undefined);
  assert.throws(() => tablespaceStatement({ kind: 'create', tablespace: tbs('a\nb') }), /control character/);
});
