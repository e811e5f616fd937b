import test from 'node:test';
import assert from 'node:assert/strict';
import { parseServerVersion, versionInRange } from './version-range.js';

test('server versions: major.minor, betas and Debian suffixes', () => {
  assert.deepEqual(parseServerVersion('15.4'), [15, 4, 0]);
  assert.deepEqual(parseServerVersion('17beta1'), [17, 0, 0]);
  assert.deepEqual(parseServerVersion('15.18 (Debian 15.18-0+deb12u1)'), [15, 18, 0]);
});

test('runonserver ranges as CloudNativePG writes them', () => {
  const cases: [string, string, boolean][] = [
    ['16.2', '<17.0.0', true],
    ['17.0', '<17.0.0', false],
    ['17.1', '>=17.0.0', true],
    ['15.4', '>=12.0.0 <17.0.0', true],
    ['15.4', '>=10, <12 || >=14', true],
    ['13.1', '>=10, <12 || >=14', false],
    ['15.4', '15.x', true],
    ['16.0', '=15', false],
    ['15.4', '> 15.3', true],
  ];
  for (const [version, range, want] of cases) assert.equal(versionInRange(version, range), want, `${version} in ${range}`);
});

test('a range that is not one is an error, not a silent no', () => {
  assert.throws(() => versionInRange('15.4', 'newer than 14'), /not a version comparison/);
});
