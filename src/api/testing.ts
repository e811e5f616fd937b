// Shared by the *.test.ts files: build manifests as objects and capture rejections.
import assert from 'node:assert/strict';
import { ManifestError, validateObject } from './index.js';

export function clusterManifest(spec: Record<string, unknown>, name = 'pg'): Record<string, unknown> {
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name }, spec };
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
