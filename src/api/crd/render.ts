// The files under config/crd, as text: one YAML file per CRD in CloudNativePG's layout
// (bases/<group>_<plural>.yaml) and a kustomization listing them. Same input, same bytes.
import { stringify } from 'yaml';
import type { CustomResourceDefinition } from './crd.js';

export const REGENERATE_COMMAND = 'npm run build && node dist/src/api/crd/main.js';

const HEADER = `# Generated from the zod schemas in src/api by src/api/crd; do not edit.\n# Regenerate with: ${REGENERATE_COMMAND}\n`;

// Property order inside a schema carries no meaning, so it is sorted for stable, reviewable diffs.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, child]) => [key, sortKeys(child)]),
  );
}

function yaml(value: unknown): string {
  return HEADER + stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function crdFileName(crd: CustomResourceDefinition): string {
  return `bases/${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** Paths relative to config/crd, mapped to their content. */
export function renderCrdFiles(crds: readonly CustomResourceDefinition[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of crds) {
    const versions = crd.spec.versions.map((version) => ({
      ...version,
      schema: { openAPIV3Schema: sortKeys(version.schema.openAPIV3Schema) },
    }));
    files.set(crdFileName(crd), yaml({ ...crd, spec: { ...crd.spec, versions } }));
  }
  const resources = [...files.keys()].sort();
  files.set('kustomization.yaml', yaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
  return files;
}
