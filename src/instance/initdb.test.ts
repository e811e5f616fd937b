import test from 'node:test';
import assert from 'node:assert/strict';
import { isCluster, validateObject, type Cluster } from '../api/index.js';
import { clusterManifest } from '../api/testing.js';
import { initdbBootstrap } from '../operator/instance-config.js';
import { initdbArguments } from './initdb.js';

function admitted(initdb: Record<string, unknown>): Cluster {
  const { resource } = validateObject(clusterManifest({ storage: { size: '1Gi' }, bootstrap: { initdb } }));
  assert.ok(isCluster(resource));
  return resource;
}

/** What initdb receives for a Cluster, after admission's defaults and the operator's instance config. */
const argv = (initdb: Record<string, unknown>) => initdbArguments('/pgdata', initdbBootstrap(admitted(initdb)));
const FIXED = ['-D', '/pgdata', '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256'];

test('a Cluster without initdb settings: UTF8 and C collation, as CloudNativePG defaults them', () => {
  assert.deepEqual(argv({}), [...FIXED, '--encoding=UTF8', '--lc-collate=C', '--lc-ctype=C']);
});

test('locale alone: CloudNativePG still passes --lc-collate=C --lc-ctype=C, which win over --locale', () => {
  assert.deepEqual(argv({ locale: 'en_US.UTF-8' }), [...FIXED, '--encoding=UTF8', '--lc-collate=C', '--lc-ctype=C', '--locale=en_US.UTF-8']);
});

test('what the admitted Cluster shows for localeCollate and localeCType is what initdb receives', () => {
  for (const initdb of [{}, { locale: 'en_US.UTF-8' }, { localeCollate: 'C.UTF-8' }, { locale: 'C.UTF-8', localeCType: 'C.UTF-8' }]) {
    const shown = admitted(initdb).spec.bootstrap.initdb;
    const args = argv(initdb);
    const given = (flag: string) => args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
    assert.equal(given('--lc-collate'), shown?.localeCollate, `lc-collate for ${JSON.stringify(initdb)}`);
    assert.equal(given('--lc-ctype'), shown?.localeCType, `lc-ctype for ${JSON.stringify(initdb)}`);
    assert.equal(given('--locale'), shown?.locale, `locale for ${JSON.stringify(initdb)}`);
  }
});

test('every explicit field, in the order CloudNativePG builds them, then the raw options', () => {
  const args = argv({
    dataChecksums: true,
    encoding: 'LATIN1',
    localeCollate: 'C.UTF-8',
    localeCType: 'C.UTF-8',
    locale: 'C.UTF-8',
    localeProvider: 'icu',
    icuLocale: 'und',
    icuRules: '&A < z <<< Z',
    walSegmentSize: 32,
    options: ['--no-sync'],
  });
  assert.deepEqual(args, [
    ...FIXED,
    '--data-checksums',
    '--encoding=LATIN1',
    '--lc-collate=C.UTF-8',
    '--lc-ctype=C.UTF-8',
    '--locale=C.UTF-8',
    '--locale-provider=icu',
    '--icu-locale=und',
    '--icu-rules=&A < z <<< Z',
    '--wal-segsize=32',
    '--no-sync',
  ]);
  assert.deepEqual(argv({ localeProvider: 'builtin', builtinLocale: 'C.UTF-8' }).slice(FIXED.length), [
    '--encoding=UTF8',
    '--lc-collate=C',
    '--lc-ctype=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
  ]);
});
