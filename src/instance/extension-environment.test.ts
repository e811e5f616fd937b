import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extensionEnvironment, postgresEnvironment } from './extension-environment.js';

const postgis = { name: 'postgis', reference: '/opt/postgis', ld_library_path: ['lib', '/system/', './x'], bin_path: ['bin'], env: [{ name: 'GDAL_DATA', value: '${image_root}/share/gdal' }, { name: 'LITERAL', value: '$${image_root}' }] };

test('ld_library_path and bin_path are appended inside the extension folder; env gets ${image_root} expanded', () => {
  assert.deepEqual(extensionEnvironment([postgis], undefined, { LD_LIBRARY_PATH: '/usr/local/lib', PATH: '/usr/bin:/bin' }), {
    GDAL_DATA: '/opt/postgis/share/gdal',
    LITERAL: '${image_root}',
    LD_LIBRARY_PATH: '/usr/local/lib:/opt/postgis/lib:/opt/postgis/system:/opt/postgis/x',
    PATH: '/usr/bin:/bin:/opt/postgis/bin',
  });
  // Mounted under a root (a Pod's /extensions): the extension's folder is root/name.
  assert.deepEqual(extensionEnvironment([{ ...postgis, env: [] }], '/extensions', {}), { LD_LIBRARY_PATH: '/extensions/postgis/lib:/extensions/postgis/system:/extensions/postgis/x', PATH: '/extensions/postgis/bin' });
  assert.deepEqual(extensionEnvironment([{ name: 'plain', reference: '/opt/plain' }], undefined, { PATH: '/bin' }), {});
});

test('an entry that would leave the folder never reaches the environment, even past admission', () => {
  const bad = { name: 'bad', reference: '/opt/bad', ld_library_path: ['../../etc', 'lib/../..', 'a:/tmp', 'ok'] };
  assert.deepEqual(extensionEnvironment([bad], undefined, {}), { LD_LIBRARY_PATH: '/opt/bad/ok' });
});

test("spec.env is the base the extensions' paths extend; a later extension's variable wins", () => {
  const second = { name: 'second', reference: '/opt/second', env: [{ name: 'GDAL_DATA', value: 'mine' }], ld_library_path: ['lib'] };
  assert.deepEqual(postgresEnvironment({ env: { TZ: 'UTC', LD_LIBRARY_PATH: '/env/lib' }, libraries: { extensions: [postgis, second] } }, { LD_LIBRARY_PATH: '/process/lib', PATH: '/bin' }), {
    TZ: 'UTC',
    GDAL_DATA: 'mine',
    LITERAL: '${image_root}',
    LD_LIBRARY_PATH: '/env/lib:/opt/postgis/lib:/opt/postgis/system:/opt/postgis/x:/opt/second/lib',
    PATH: '/bin:/opt/postgis/bin',
  });
  assert.deepEqual(postgresEnvironment({}, { PATH: '/bin' }), {});
});
