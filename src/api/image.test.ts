import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageNameProblem, majorFromImageName, versionFromImageName } from './image.js';

const majors: [string, number | undefined][] = [
  ['ghcr.io/cloudnative-pg/postgresql:16.1', 16],
  ['registry.my-company.com/postgres:15.3', 15],
  ['ghcr.io/cloudnative-pg/postgresql:17.2-system-trixie', 17],
  ['ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie', 18],
  ['postgres:16', 16],
  ['postgres:13-bullseye', 13],
  ['localhost:5000/postgres:14.9', 14],
  ['ghcr.io/cloudnative-pg/postgresql:16.1@sha256:0123456789abcdef', 16],
  ['ghcr.io/cloudnative-pg/postgresql@sha256:0123456789abcdef', undefined],
  ['ghcr.io/cloudnative-pg/postgresql', undefined],
  ['localhost:5000/postgres', undefined],
  ['postgres:latest', undefined],
];

for (const [image, major] of majors) {
  test(`majorFromImageName(${image}) = ${major}`, () => assert.equal(majorFromImageName(image), major));
}

test('imageName problems: latest and non-version tags are refused, digests and versions accepted', () => {
  assert.match(imageNameProblem('postgres:latest') ?? '', /"latest" tag/);
  assert.match(imageNameProblem('postgres:stable') ?? '', /does not start with a PostgreSQL version/);
  assert.equal(imageNameProblem('postgres:16.1'), undefined);
  assert.equal(imageNameProblem('postgres@sha256:abc'), undefined);
  assert.equal(imageNameProblem('localhost:5000/postgres'), undefined);
});

test('versionFromImageName: as precise as the tag', () => {
  assert.deepEqual(versionFromImageName('ghcr.io/cloudnative-pg/postgresql:16.1'), { major: 16, minor: 1 });
  assert.deepEqual(versionFromImageName('ghcr.io/cloudnative-pg/postgresql:17.2-system-trixie'), { major: 17, minor: 2 });
  assert.deepEqual(versionFromImageName('localhost:5000/postgres:14.9@sha256:0123'), { major: 14, minor: 9 });
  assert.deepEqual(versionFromImageName('postgres:16'), { major: 16 });
  assert.deepEqual(versionFromImageName('postgres:13-bullseye'), { major: 13 });
  assert.equal(versionFromImageName('ghcr.io/cloudnative-pg/postgresql@sha256:0123'), undefined);
});
