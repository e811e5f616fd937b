#!/usr/bin/env node
// Writes the install manifest and the files derived from the CRDs, deterministically (same inputs,
// same bytes; no timestamps).
//
//   node scripts/release-manifest.mjs                 write everything below
//   node scripts/release-manifest.mjs --check         write nothing; exit 1 and name the stale files
//   node scripts/release-manifest.mjs --krew-archives DIR
//        also fill the sha256 of DIR/kubectl-cnpg_<version>_<os>_<arch>.tar.gz into
//        releases/krew/cnpg.yaml (from the template plugins/krew/cnpg.yaml)
//
// Outputs:
//   releases/cnpg-ts-<version>.yaml   Namespace, CRDs (config/crd/bases/{postgresql,barmancloud}.cnpg.io_*.yaml,
//                                     whatever is there), RBAC, Service, webhook configurations,
//                                     Deployment — for `kubectl apply --server-side -f`.
//   charts/cnpg-ts/files/crds/*.yaml  the same CRDs with `helm.sh/resource-policy: keep`, rendered
//                                     by charts/cnpg-ts/templates/crds.yaml when crds.create=true.
//   charts/cnpg-ts/files/monitoring/  docs/monitoring's Grafana dashboard and PrometheusRule, as they
//                                     are, for charts/cnpg-ts/templates/monitoring-extras.yaml.
//
// config/default/kustomization.yaml is read with a small kustomize subset (resources, images,
// labels); anything else in a kustomization is refused rather than silently ignored. The version
// always comes from package.json: image tags, the app.kubernetes.io/version label and the
// OPERAND_IMAGE tag (`<pg major>-<version>`) are set from it; OPERATOR_IMAGE_NAME is set to the
// operator container's own image.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';

const MONITORING_FILES = ['grafana-dashboard.json', 'prometheus-rule.yaml'];
export const OPERATOR_IMAGE = 'ghcr.io/cnpg-ts/cnpg-ts';
export const OPERAND_IMAGE = 'ghcr.io/cnpg-ts/postgresql';
export const KREW_PLATFORMS = [
  ['linux', 'amd64'],
  ['linux', 'arm64'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
];

// Apply order (kustomize's legacy order): what others depend on first, webhooks last so nothing
// is blocked by a webhook whose server is not running yet.
const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding',
  'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'PodDisruptionBudget',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
];
const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources', 'images', 'labels']);
const STRINGIFY = { lineWidth: 0, minContentWidth: 0 };

const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function readYamlDocs(file) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

function podSpecs(obj) {
  const spec = obj?.spec?.template?.spec;
  return spec ? [spec] : [];
}

function loadKustomization(dir, root) {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${relative(root, dir)}: no kustomization.yaml`);
  const k = parse(readFileSync(file, 'utf8')) ?? {};
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) {
      throw new Error(`${relative(root, file)}: "${key}" is not supported by scripts/release-manifest.mjs (supported: ${[...KUSTOMIZATION_KEYS].join(', ')})`);
    }
  }
  const objects = [];
  for (const r of k.resources ?? []) {
    const p = resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${relative(root, file)}: resource ${r} does not exist`);
    if (statSync(p).isDirectory()) objects.push(...loadKustomization(p, root).objects);
    else objects.push(...readYamlDocs(p));
  }
  return { objects, images: k.images ?? [], labels: k.labels ?? [] };
}

function applyImages(objects, images) {
  for (const img of images) {
    for (const obj of objects) {
      for (const spec of podSpecs(obj)) {
        for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
          const name = String(c.image).replace(/[:@].*$/, '');
          if (name !== img.name) continue;
          c.image = `${img.newName ?? img.name}:${img.newTag}`;
        }
      }
    }
  }
}

function applyLabels(objects, labels) {
  for (const l of labels) {
    if (l.includeSelectors || l.includeTemplates) throw new Error('labels: only includeSelectors/includeTemplates false are supported');
    for (const obj of objects) {
      obj.metadata ??= {};
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), ...l.pairs };
    }
  }
}

function setOperandImage(objects, version) {
  for (const obj of objects) {
    for (const spec of podSpecs(obj)) {
      for (const c of spec.containers ?? []) {
        for (const e of c.env ?? []) {
          if (e.name !== 'OPERAND_IMAGE') continue;
          const m = /^(.*):(\d+)-[^:]+$/.exec(String(e.value));
          if (!m || m[1] !== OPERAND_IMAGE) throw new Error(`OPERAND_IMAGE must look like ${OPERAND_IMAGE}:<pg major>-<version>, got ${e.value}`);
          e.value = `${OPERAND_IMAGE}:${m[2]}-${version}`;
        }
      }
    }
  }
}

/** OPERATOR_IMAGE_NAME names the image of the container it is set in: the Pods' init containers run it. */
function setOperatorImageName(objects) {
  for (const obj of objects) {
    for (const spec of podSpecs(obj)) {
      for (const c of spec.containers ?? []) {
        for (const e of c.env ?? []) if (e.name === 'OPERATOR_IMAGE_NAME') e.value = c.image;
      }
    }
  }
}

function kindRank(kind) {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length - 2 : i; // unknown kinds before the webhook configurations
}

/** The CRD files (sorted) and their documents. Missing folder = none yet. */
export function readCrds(root = defaultRoot) {
  const dir = join(root, 'config/crd/bases');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^(postgresql|barmancloud)\.cnpg\.io_.*\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const docs = readYamlDocs(join(dir, f)).filter((d) => d.kind === 'CustomResourceDefinition');
      if (docs.length === 0) throw new Error(`config/crd/bases/${f}: no CustomResourceDefinition in it`);
      return { file: f, docs };
    });
}

export function packageVersion(root = defaultRoot) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}

/** Every generated file: Map of repository-relative path → content. */
export function renderAll(root = defaultRoot) {
  const version = packageVersion(root);
  const k = loadKustomization(join(root, 'config/default'), root);
  const images = k.images.map((i) => (i.name === OPERATOR_IMAGE ? { ...i, newTag: version } : i));
  const labels = k.labels.map((l) => ({
    ...l,
    pairs: Object.fromEntries(Object.entries(l.pairs ?? {}).map(([key, v]) => [key, key === 'app.kubernetes.io/version' ? version : v])),
  }));
  applyImages(k.objects, images);
  applyLabels(k.objects, labels);
  setOperandImage(k.objects, version);
  setOperatorImageName(k.objects);

  const crds = readCrds(root);
  const all = [...k.objects, ...crds.flatMap((c) => c.docs)];
  all.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));

  const header = [
    `# cnpg-ts ${version}: operator install manifest, generated by scripts/release-manifest.mjs.`,
    `# Install:  kubectl apply --server-side -f releases/cnpg-ts-${version}.yaml`,
    `# Operator: ${OPERATOR_IMAGE}:${version} in namespace cnpg-system (${crds.length} CRD file(s) included).`,
  ].join('\n');
  const body = all.map((o) => stringify(o, STRINGIFY)).join('---\n');
  const files = new Map();
  files.set(`releases/cnpg-ts-${version}.yaml`, `${header}\n---\n${body}`);

  for (const c of crds) {
    const docs = c.docs.map((d) => {
      const copy = structuredClone(d);
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), 'helm.sh/resource-policy': 'keep' };
      return stringify(copy, STRINGIFY);
    });
    files.set(`charts/cnpg-ts/files/crds/${c.file.replace(/\.yml$/, '.yaml')}`, `# Generated from config/crd/bases/${c.file} by scripts/release-manifest.mjs; do not edit.\n${docs.join('---\n')}`);
  }
  // The chart can only read files inside itself; the dashboard and alerts are kept in docs/monitoring.
  for (const f of MONITORING_FILES) {
    const src = join(root, 'docs/monitoring', f);
    if (existsSync(src)) files.set(`charts/cnpg-ts/files/monitoring/${f}`, readFileSync(src, 'utf8'));
  }
  return { version, files };
}

/** Generated CRD copies in the chart that no longer have a source. */
export function staleChartCrds(root, files) {
  const dir = join(root, 'charts/cnpg-ts/files/crds');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `charts/cnpg-ts/files/crds/${f}`)
    .filter((p) => !files.has(p));
}

export function krewArchiveName(version, os, arch) {
  return `kubectl-cnpg_${version}_${os}_${arch}.tar.gz`;
}

/** plugins/krew/cnpg.yaml with every sha256 placeholder replaced by the archive's digest. */
export function renderKrew(root, version, archivesDir) {
  let text = readFileSync(join(root, 'plugins/krew/cnpg.yaml'), 'utf8');
  for (const [os, arch] of KREW_PLATFORMS) {
    const file = join(archivesDir, krewArchiveName(version, os, arch));
    if (!existsSync(file)) throw new Error(`missing plugin archive ${file}`);
    const sum = createHash('sha256').update(readFileSync(file)).digest('hex');
    const placeholder = `SHA256_${os.toUpperCase()}_${arch.toUpperCase()}`;
    if (!text.includes(placeholder)) throw new Error(`plugins/krew/cnpg.yaml: placeholder ${placeholder} not found`);
    text = text.replaceAll(placeholder, sum);
  }
  return text;
}

function main(argv) {
  const root = defaultRoot;
  const check = argv.includes('--check');
  const ki = argv.indexOf('--krew-archives');
  const { version, files } = renderAll(root);
  if (ki >= 0) {
    const dir = argv[ki + 1];
    if (!dir) throw new Error('--krew-archives needs a folder');
    files.set('releases/krew/cnpg.yaml', renderKrew(root, version, resolve(dir)));
  }
  const stale = staleChartCrds(root, files);
  if (check) {
    const bad = [...files].filter(([p, c]) => !existsSync(join(root, p)) || readFileSync(join(root, p), 'utf8') !== c).map(([p]) => p);
    bad.push(...stale);
    if (bad.length > 0) {
      console.error(`stale or missing (run: node scripts/release-manifest.mjs):\n  ${bad.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`up to date: ${[...files.keys()].join(', ')}`);
    return;
  }
  for (const p of stale) rmSync(join(root, p));
  for (const [p, c] of files) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
    console.log(`wrote ${p}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`release-manifest: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
