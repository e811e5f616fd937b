// Shared by the *.test.ts files: build manifests as objects and capture rejections.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isBackup, isCluster, isScheduledBackup, ManifestError, validateObject, type Backup, type Cluster, type KubeObject, type ScheduledBackup } from './index.js';
import { CNPG_API_VERSION, type ObjectMeta } from './meta.js';
import { repoRoot } from './repo-root.js';

export function clusterManifest(spec: Record<string, unknown>, name = 'pg'): Record<string, unknown> {
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name }, spec };
}

interface Admitted {
  Cluster: Cluster;
  Backup: Backup;
  ScheduledBackup: ScheduledBackup;
}

const guards: { [K in keyof Admitted]: (o: KubeObject) => o is Admitted[K] } = { Cluster: isCluster, Backup: isBackup, ScheduledBackup: isScheduledBackup };

/**
 * An object as the API stores it: the manifest is validated and defaulted like one a user applies,
 * so a fixture can only be what a user could write. A test adds the controller's status after.
 */
export function fixture<K extends keyof Admitted>(kind: K, spec: Record<string, unknown>, metadata: Partial<ObjectMeta> = {}): Admitted[K] {
  const { resource } = validateObject({ apiVersion: CNPG_API_VERSION, kind, metadata: { name: 'pg', ...metadata }, spec });
  assert.ok(guards[kind](resource));
  return resource;
}

/** The formatted issues of a rejected object; fails the test if it was accepted. */
export function rejectionOf(obj: unknown): string[] {
  try {
    validateObject(obj);
  } catch (error) {
    assert.ok(error instanceof ManifestError);
    return error.message.split('\n');
  }
  assert.fail(`accepted: ${JSON.stringify(obj)}`);
}

export const UPDATE_CORPUS = join(repoRoot(), 'test', 'fixtures', 'invalid-updates');

/** The stored object (as if its cluster had been created) and the refused update of each case. */
export function updateCases(): Array<{ file: string; stored: KubeObject; update: KubeObject; expected: string[] }> {
  const expected = JSON.parse(readFileSync(join(UPDATE_CORPUS, 'expected.json'), 'utf8')) as Record<string, string[]>;
  return readdirSync(UPDATE_CORPUS)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => {
      const [before, after] = readFileSync(join(UPDATE_CORPUS, file), 'utf8').split(/^---$/m).map((doc) => validateObject(parse(doc)).resource);
      assert.ok(before && after, `${file} needs two documents`);
      return { file, stored: { ...before, status: { latestGeneratedNode: 1 } }, update: after, expected: expected[file] ?? [] };
    });
}
