// The manifests the integration tests apply, kept as YAML files in test/fixtures/manifests. A test
// names the file and what its own copy changes, and gets YAML text for `apply -f -`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../src/api/repo-root.js';

export interface ManifestChanges {
  name?: string;
  namespace?: string;
  /** Top-level spec fields, each replacing the file's. */
  spec?: Record<string, unknown>;
}

export function manifest(file: string, changes: ManifestChanges = {}): string {
  const doc = parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'manifests', file), 'utf8')) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  if (changes.name !== undefined) doc.metadata.name = changes.name;
  if (changes.namespace !== undefined) doc.metadata.namespace = changes.namespace;
  Object.assign(doc.spec, changes.spec);
  return stringify(doc);
}

/** Several manifests as one multi-document stream. */
export const manifests = (...docs: string[]): string => docs.join('---\n');
