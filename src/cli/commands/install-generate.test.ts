import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { generateInstallManifest, installVersionFlag, releaseFile } from './install-generate.js';

const release = readFileSync(releaseFile('0.1.0'), 'utf8');
const defaults = { releaseVersion: '0.1.0', logFieldLevel: 'level', logFieldTimestamp: 'ts' };
type Doc = { kind: string; metadata: { name: string; namespace?: string }; subjects?: Array<{ namespace?: string }>; webhooks?: Array<{ clientConfig: { service?: { namespace: string } } }>; spec?: Record<string, unknown> };
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Doc | null).filter((d): d is Doc => d !== null);
const deployment = (text: string) => docs(text).find((d) => d.kind === 'Deployment')!.spec as { replicas: number; template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }>; tolerations?: unknown[]; affinity?: unknown } } };
const envOf = (text: string, name: string) => deployment(text).template.spec.containers[0]!.env.find((e) => e.name === name)?.value;

test('without options: the release as it is, plus the log field names', () => {
  const out = generateInstallManifest(release, defaults);
  assert.deepEqual(docs(out).map((d) => `${d.kind}/${d.metadata.name}`), docs(release).map((d) => `${d.kind}/${d.metadata.name}`));
  assert.equal(docs(out).find((d) => d.kind === 'Deployment')!.metadata.namespace, 'cnpg-system');
  assert.equal(envOf(out, 'LOG_FIELD_LEVEL'), 'level');
  assert.equal(envOf(out, 'WATCH_NAMESPACE'), '');
  assert.equal(deployment(out).replicas, 1);
});

test('-n moves every namespaced object and every reference to the operator\'s namespace', () => {
  const out = docs(generateInstallManifest(release, { ...defaults, namespace: 'ops' }));
  assert.deepEqual(out.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name), ['ops']);
  assert.ok(out.filter((d) => d.metadata.namespace !== undefined).every((d) => d.metadata.namespace === 'ops'));
  assert.ok(out.flatMap((d) => d.subjects ?? []).every((s) => s.namespace === 'ops'));
  assert.ok(out.flatMap((d) => d.webhooks ?? []).every((w) => w.clientConfig.service?.namespace === 'ops'));
  assert.equal(out.find((d) => d.kind === 'CustomResourceDefinition')!.metadata.namespace, undefined);
});

test('--watch-namespace, --replicas, --image, --log-field-*, --control-plane', () => {
  const out = generateInstallManifest(release, { ...defaults, watchNamespace: 'a,b', replicas: '3', image: 'example.com/pg:16', logFieldLevel: 'severity', logFieldTimestamp: 'time', controlPlane: true });
  assert.equal(envOf(out, 'WATCH_NAMESPACE'), 'a,b');
  assert.equal(envOf(out, 'OPERAND_IMAGE'), 'example.com/pg:16');
  assert.equal(envOf(out, 'LOG_FIELD_LEVEL'), 'severity');
  assert.equal(envOf(out, 'LOG_FIELD_TIMESTAMP'), 'time');
  const d = deployment(out);
  assert.equal(d.replicas, 3);
  assert.deepEqual(d.template.spec.tolerations, [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }]);
  assert.deepEqual(d.template.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] }] } } });
  assert.equal(deployment(generateInstallManifest(release, { ...defaults, replicas: '0' })).replicas, 1, '0 keeps the manifest\'s');
});

test('bad options are refused with the flag named', () => {
  assert.throws(() => generateInstallManifest(release, { ...defaults, namespace: 'Ops' }), /--namespace: "Ops" is not a namespace name/);
  assert.throws(() => generateInstallManifest(release, { ...defaults, watchNamespace: 'a,,b' }), /--watch-namespace: "" is not a namespace name/);
  assert.throws(() => generateInstallManifest(release, { ...defaults, replicas: '-1' }), /--replicas: "-1" is not a whole number/);
  assert.throws(() => generateInstallManifest(release, { ...defaults, image: 'a b' }), /--image: "a b" is not an image reference/);
  assert.throws(() => generateInstallManifest(release, { ...defaults, logFieldLevel: 'a"b' }), /--log-field-level: "a"b" is not a JSON field name/);
  assert.throws(() => releaseFile('1.0'), /--version: release version 1\.0 not found \(available: 0\.1\.0/);
});

test('--version after install generate is the release\'s, not the program\'s', () => {
  assert.deepEqual(installVersionFlag(['install', 'generate', '--version', '0.1.0']), ['install', 'generate', '--release-version', '0.1.0']);
  assert.deepEqual(installVersionFlag(['install', 'generate', '--version=0.1.0']), ['install', 'generate', '--release-version=0.1.0']);
  assert.deepEqual(installVersionFlag(['--version']), ['--version']);
  assert.deepEqual(installVersionFlag(['status', 'pg', '--version']), ['status', 'pg', '--version']);
});
