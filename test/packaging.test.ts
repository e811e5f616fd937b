// Packaging checks: Dockerfiles, kustomize-style config/, the release manifest, the Helm chart and
// the krew manifest. Static checks always run (YAML parsed with `yaml`); `helm lint`/`helm template`
// run only when scripts/build-helm.sh has built helm into the tools cache (skipped with a message
// otherwise). Nothing here needs a Kubernetes cluster, Docker or the CRDs to exist.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Shapes and helpers

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RoleObject extends K8sObject {
  rules: Rule[];
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface DeploymentObject extends K8sObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { serviceAccountName: string; securityContext?: Record<string, unknown>; containers: Container[] };
    };
  };
}
interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  namespaceSelector?: unknown;
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[];
}
interface WebhookConfig extends K8sObject {
  webhooks: Webhook[];
}
interface ServiceObject extends K8sObject {
  spec: { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] };
}
interface ReleaseModule {
  renderAll(root?: string): { version: string; files: Map<string, string> };
  staleChartCrds(root: string, files: Map<string, string>): string[];
  renderKrew(root: string, version: string, archivesDir: string): string;
  krewArchiveName(version: string, os: string, arch: string): string;
  KREW_PLATFORMS: [string, string][];
}

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above the test');
    dir = parent;
  }
  return dir;
}

const root = findRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const version = pkg.version;
const NS = 'cnpg-system';
const KINDS = ['cluster', 'backup', 'scheduledbackup', 'pooler', 'database'];

function docs(text: string, where: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const d of parseAllDocuments(text)) {
    assert.equal(d.errors.length, 0, `${where}: ${d.errors[0]?.message ?? ''}`);
    const v = d.toJS() as K8sObject | null;
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function configObjects(): K8sObject[] {
  const out: K8sObject[] = [];
  for (const sub of ['default', 'manager', 'rbac', 'webhook']) {
    for (const f of yamlFiles(join(root, 'config', sub))) {
      if (f.endsWith('kustomization.yaml')) continue;
      out.push(...docs(readFileSync(f, 'utf8'), f));
    }
  }
  return out;
}

function find<T extends K8sObject>(objs: K8sObject[], kind: string, name: string, namespace?: string): T {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  assert.ok(o, `${kind}/${name}${namespace ? ` in ${namespace}` : ''} is missing`);
  return o as T;
}

/** Whether the rules grant verb on group/resource (optionally for a named object). */
function allows(rules: Rule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).includes(group) &&
      (r.resources ?? []).includes(resource) &&
      r.verbs.includes(verb) &&
      (r.resourceNames === undefined || (name !== undefined && r.resourceNames.includes(name))),
  );
}

/** Flattened, sorted grants "group|resource|verb|name" for comparing two rule sets. */
function grants(rules: Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        for (const v of r.verbs) {
          for (const n of r.resourceNames ?? ['']) out.add(`${g}|${res}|${v}|${n}`);
        }
      }
    }
  }
  return [...out].sort();
}

function assertNoWildcards(rules: Rule[], where: string): void {
  for (const r of rules) {
    for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
      for (const v of r[field] ?? []) assert.ok(!v.includes('*'), `${where}: wildcard in ${field}: ${JSON.stringify(r)}`);
    }
    for (const v of ['escalate', 'bind', 'impersonate']) assert.ok(!r.verbs.includes(v), `${where}: grants ${v}`);
  }
}

async function releaseModule(): Promise<ReleaseModule> {
  return (await import(pathToFileURL(join(root, 'scripts/release-manifest.mjs')).href)) as ReleaseModule;
}

// ---------------------------------------------------------------------------------------------
// Shared contract checks (applied to config/, the release manifest and helm template output)

function checkDeployment(objs: K8sObject[], namespace: string, where: string): void {
  const d = find<DeploymentObject>(objs, 'Deployment', 'cnpg-controller-manager', namespace);
  assert.equal(d.spec.replicas, 1, `${where}: replicas`);
  const pod = d.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'cnpg-manager');
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(d.spec.template.metadata.labels[k], v, `${where}: selector ${k}`);
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
  assert.equal(pod.securityContext?.runAsUser, 10001, `${where}: runAsUser`);
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0]!;
  assert.equal(c.image, `ghcr.io/cnpg-ts/cnpg-ts:${version}`, `${where}: operator image`);
  assert.ok(!c.image.endsWith(':latest'));
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  assert.equal(env.get('OPERATOR_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace', `${where}: OPERATOR_NAMESPACE from the downward API`);
  assert.equal(env.get('WATCH_NAMESPACE')?.value, '', `${where}: WATCH_NAMESPACE empty (all namespaces)`);
  assert.equal(env.get('OPERAND_IMAGE')?.value, `ghcr.io/cnpg-ts/postgresql:15-${version}`, `${where}: OPERAND_IMAGE`);
  assert.equal(env.get('OPERATOR_IMAGE_NAME')?.value, c.image, `${where}: OPERATOR_IMAGE_NAME is the operator's own image (instance Pods copy their manager from it)`);
  assert.equal(env.get('LEADER_ELECTION')?.value, 'true', `${where}: LEADER_ELECTION`);
  assert.ok(env.get('LOG_LEVEL')?.value, `${where}: LOG_LEVEL`);
  const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  assert.deepEqual(Object.fromEntries(ports), { 'webhook-server': 9443, metrics: 8080, health: 8081 }, `${where}: ports`);
  const probePort = (p: Probe | undefined): number | undefined => {
    const port = p?.httpGet.port;
    return typeof port === 'number' ? port : ports.get(String(port));
  };
  assert.equal(c.livenessProbe?.httpGet.path, '/healthz', `${where}: liveness`);
  assert.equal(probePort(c.livenessProbe), 8081);
  assert.equal(c.readinessProbe?.httpGet.path, '/readyz', `${where}: readiness`);
  assert.equal(probePort(c.readinessProbe), 8081);
  if (c.startupProbe) assert.equal(probePort(c.startupProbe), 8081);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
  assert.ok((c.volumeMounts ?? []).some((m) => m.mountPath === '/run/secrets/cnpg-ts/webhook'), `${where}: webhook cert dir mounted`);
}

function checkRbac(objs: K8sObject[], namespace: string, where: string): void {
  for (const o of objs) if (o.kind === 'ClusterRole' || o.kind === 'Role') assertNoWildcards((o as RoleObject).rules, `${where} ${o.kind}/${o.metadata.name}`);
  find(objs, 'ServiceAccount', 'cnpg-manager', namespace);
  const cr = find<RoleObject>(objs, 'ClusterRole', 'cnpg-manager').rules;
  const crb = find<K8sObject & { roleRef: { name: string }; subjects: { kind: string; name: string; namespace: string }[] }>(objs, 'ClusterRoleBinding', 'cnpg-manager');
  assert.equal(crb.roleRef.name, 'cnpg-manager');
  assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'cnpg-manager', namespace }]);

  const rw = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  for (const res of ['pods', 'persistentvolumeclaims', 'services', 'secrets', 'configmaps', 'serviceaccounts']) {
    for (const v of rw) assert.ok(allows(cr, '', res, v), `${where}: ${v} ${res}`);
  }
  for (const v of rw) assert.ok(allows(cr, 'policy', 'poddisruptionbudgets', v), `${where}: ${v} pdb`);
  // A Pooler's Deployment, and the Role and RoleBinding its Pods read their handout with; never
  // the rights to grant what the operator does not hold itself.
  for (const v of rw) assert.ok(allows(cr, 'apps', 'deployments', v), `${where}: ${v} deployments`);
  for (const res of ['roles', 'rolebindings']) for (const v of rw) assert.ok(allows(cr, 'rbac.authorization.k8s.io', res, v), `${where}: ${v} ${res}`);
  for (const v of ['escalate', 'bind']) assert.ok(!allows(cr, 'rbac.authorization.k8s.io', 'roles', v), `${where}: no ${v} on roles`);
  for (const res of ['clusterroles', 'clusterrolebindings']) assert.ok(!allows(cr, 'rbac.authorization.k8s.io', res, 'create'), `${where}: no ${res}`);
  for (const v of ['get', 'create', 'update', 'delete']) assert.ok(allows(cr, 'monitoring.coreos.com', 'podmonitors', v), `${where}: ${v} podmonitors (a Pooler's)`);
  for (const kind of KINDS) {
    const plural = `${kind}s`;
    for (const v of ['get', 'list', 'watch', 'update', 'patch']) assert.ok(allows(cr, 'postgresql.cnpg.io', plural, v), `${where}: ${v} ${plural}`);
    assert.ok(!allows(cr, 'postgresql.cnpg.io', plural, 'delete'), `${where}: the operator never deletes ${plural}`);
    for (const v of ['update', 'patch']) {
      assert.ok(allows(cr, 'postgresql.cnpg.io', `${plural}/status`, v), `${where}: ${v} ${plural}/status`);
      assert.ok(allows(cr, 'postgresql.cnpg.io', `${plural}/finalizers`, v), `${where}: ${v} ${plural}/finalizers`);
    }
  }
  for (const v of ['create', 'patch']) assert.ok(allows(cr, '', 'events', v), `${where}: ${v} events`);
  for (const v of ['get', 'list', 'watch']) {
    assert.ok(allows(cr, '', 'nodes', v), `${where}: ${v} nodes`);
    assert.ok(allows(cr, 'apiextensions.k8s.io', 'customresourcedefinitions', v), `${where}: ${v} crds`);
  }
  for (const v of ['create', 'update', 'patch', 'delete']) {
    assert.ok(!allows(cr, '', 'nodes', v), `${where}: nodes are read-only`);
    assert.ok(!allows(cr, 'apiextensions.k8s.io', 'customresourcedefinitions', v), `${where}: CRDs are read-only`);
  }
  for (const [res, name] of [
    ['validatingwebhookconfigurations', 'cnpg-validating-webhook-configuration'],
    ['mutatingwebhookconfigurations', 'cnpg-mutating-webhook-configuration'],
  ] as const) {
    for (const v of ['get', 'update', 'patch']) assert.ok(allows(cr, 'admissionregistration.k8s.io', res, v, name), `${where}: ${v} ${name}`);
    for (const r of cr.filter((x) => (x.resources ?? []).includes(res))) {
      assert.deepEqual(r.resourceNames, [name], `${where}: ${res} only by name`);
      assert.deepEqual([...r.verbs].sort(), ['get', 'patch', 'update'], `${where}: ${res} verbs`);
    }
  }
  // Each Cluster's primary lease (a Lease named after it, in its namespace) is the operator's to make,
  // and to grant its instances get/update on (an operator that may not `bind` must hold those rights).
  for (const v of ['get', 'create', 'update', 'delete']) assert.ok(allows(cr, 'coordination.k8s.io', 'leases', v), `${where}: ${v} the Clusters' primary leases`);

  const role = find<RoleObject>(objs, 'Role', 'cnpg-operator', namespace).rules;
  for (const v of ['get', 'update']) assert.ok(allows(role, 'coordination.k8s.io', 'leases', v, 'cnpg-ts-leader'), `${where}: ${v} lease`);
  assert.ok(allows(role, 'coordination.k8s.io', 'leases', 'create'), `${where}: create lease`);
  for (const v of ['create', 'patch']) assert.ok(allows(role, '', 'events', v), `${where}: ${v} events in ${namespace}`);
  for (const v of ['get', 'update', 'patch']) assert.ok(allows(role, '', 'secrets', v, 'cnpg-webhook-cert'), `${where}: ${v} cnpg-webhook-cert`);
  const rb = find<K8sObject & { roleRef: { kind: string; name: string }; subjects: { name: string; namespace: string }[] }>(objs, 'RoleBinding', 'cnpg-operator', namespace);
  assert.deepEqual(rb.roleRef.kind, 'Role');
  assert.equal(rb.subjects[0]?.name, 'cnpg-manager');
}

function checkWebhooks(objs: K8sObject[], namespace: string, where: string): void {
  const svc = find<ServiceObject>(objs, 'Service', 'cnpg-webhook-service', namespace);
  assert.equal(svc.spec.ports.length, 1);
  assert.equal(svc.spec.ports[0]!.port, 443);
  const dep = find<DeploymentObject>(objs, 'Deployment', 'cnpg-controller-manager', namespace);
  const container = dep.spec.template.spec.containers[0]!;
  const target = svc.spec.ports[0]!.targetPort;
  const targetPort = typeof target === 'number' ? target : container.ports?.find((p) => p.name === target)?.containerPort;
  assert.equal(targetPort, 9443, `${where}: Service 443 → 9443`);
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(dep.spec.template.metadata.labels[k], v, `${where}: Service selects the operator pods`);

  for (const [kind, name, verb] of [
    ['MutatingWebhookConfiguration', 'cnpg-mutating-webhook-configuration', 'mutate'],
    ['ValidatingWebhookConfiguration', 'cnpg-validating-webhook-configuration', 'validate'],
  ] as const) {
    const cfg = find<WebhookConfig>(objs, kind, name);
    assert.deepEqual(cfg.webhooks.map((w) => w.clientConfig.service.path).sort(), KINDS.map((k) => `/${verb}-postgresql-cnpg-io-v1-${k}`).sort(), `${where}: ${name} paths`);
    for (const w of cfg.webhooks) {
      const kindName = w.clientConfig.service.path.split('-').pop()!;
      assert.equal(w.failurePolicy, 'Fail', `${where}: ${w.name} failurePolicy`);
      assert.equal(w.sideEffects, 'None');
      assert.deepEqual(w.admissionReviewVersions, ['v1']);
      assert.equal(w.timeoutSeconds, 10);
      assert.equal(w.clientConfig.service.name, 'cnpg-webhook-service');
      assert.equal(w.clientConfig.service.namespace, namespace);
      assert.equal(w.clientConfig.service.port, 443);
      assert.equal(w.clientConfig.caBundle, undefined, `${where}: caBundle is the operator's to patch`);
      assert.match(w.name, /^[a-z]+\.cnpg\.io$/);
      assert.deepEqual(w.rules, [{ apiGroups: ['postgresql.cnpg.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: [`${kindName}s`], scope: 'Namespaced' }]);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('Dockerfiles (lint without Docker: hadolint is not available here)', () => {
  interface Instr {
    op: string;
    args: string;
  }
  function instructions(text: string): { instrs: Instr[]; comments: string[] } {
    const instrs: Instr[] = [];
    const comments: string[] = [];
    let cur = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (cur === '' && line.startsWith('#')) {
        comments.push(line);
        continue;
      }
      if (line === '' && cur === '') continue;
      if (line.startsWith('#')) continue; // comment inside a continued instruction
      cur += (cur ? ' ' : '') + line.replace(/\\$/, '').trim();
      if (!line.endsWith('\\')) {
        const m = /^(\S+)\s*(.*)$/.exec(cur)!;
        instrs.push({ op: m[1]!.toUpperCase(), args: m[2]! });
        cur = '';
      }
    }
    return { instrs, comments };
  }

  function lint(file: string, expect: { user: string; entrypoint?: string; ports: number[] }): void {
    const text = readFileSync(join(root, file), 'utf8');
    const { instrs, comments } = instructions(text);
    const args = new Map<string, string>();
    const stages = new Set<string>();
    for (const i of instrs) {
      if (i.op === 'ARG') {
        const m = /^(\w+)(?:=(.*))?$/.exec(i.args);
        if (m?.[2] !== undefined && !args.has(m[1]!)) args.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
      }
      if (i.op === 'FROM') {
        const parts = i.args.split(/\s+/);
        const image = parts[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => {
          const v = args.get(a ?? b);
          assert.ok(v, `${file}: FROM uses $${a ?? b} without a default`);
          return v;
        });
        if (!stages.has(image)) {
          assert.ok(!/:latest(@|$)/.test(image) && /[:@]/.test(image), `${file}: FROM ${image} must name a tag or digest, never latest`);
          assert.ok(/@sha256:[0-9a-f]{64}$/.test(image) || /:[^:@]*\d+\.\d+/.test(image), `${file}: FROM ${image} must be pinned to a version tag or digest`);
        }
        const as = parts.findIndex((p) => p.toUpperCase() === 'AS');
        if (as >= 0 && parts[as + 1]) stages.add(parts[as + 1]!);
      }
      if (i.op === 'RUN' && /apt-get\s+(-\S+\s+)*install/.test(i.args)) {
        assert.match(i.args, /--no-install-recommends/, `${file}: apt-get install without --no-install-recommends`);
        assert.match(i.args, /rm -rf \/var\/lib\/apt\/lists\/\*/, `${file}: apt lists are not removed in the same RUN`);
        assert.match(i.args, /apt-get update/, `${file}: apt-get install without apt-get update in the same RUN`);
        assert.match(i.args, /-y\b/, `${file}: apt-get install needs -y`);
      }
      if (i.op === 'RUN') assert.ok(!/apt-get\s+update\s*$/.test(i.args), `${file}: apt-get update alone in a RUN is cached forever`);
      assert.notEqual(i.op, 'ADD', `${file}: use COPY rather than ADD`);
      assert.ok(!/\bsudo\b/.test(i.args), `${file}: sudo`);
      if (i.op === 'RUN' && i.args.includes('|')) {
        assert.ok(instrs.some((s) => s.op === 'SHELL' && s.args.includes('pipefail')), `${file}: a pipe in RUN needs SHELL with -o pipefail`);
      }
    }
    // The final stage: starts at the last FROM.
    const lastFrom = instrs.map((i) => i.op).lastIndexOf('FROM');
    const final = instrs.slice(lastFrom);
    const users = final.filter((i) => i.op === 'USER');
    assert.ok(users.length > 0, `${file}: the final stage has no USER (would run as root)`);
    const user = users.at(-1)!.args;
    assert.equal(user.split(':')[0], expect.user, `${file}: USER`);
    assert.ok(!/^(0|root)(:|$)/.test(user), `${file}: USER must not be root`);
    const hc = final.some((i) => i.op === 'HEALTHCHECK');
    assert.ok(hc || comments.some((c) => /no HEALTHCHECK:/i.test(c)), `${file}: HEALTHCHECK or a "# no HEALTHCHECK: <reason>" comment`);
    const exposed = final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, ''))));
    assert.deepEqual(exposed.sort(), [...expect.ports].sort(), `${file}: EXPOSE`);
    assert.ok(!instrs.some((i) => i.op === 'RUN' && /\bnpm\b|\bnpx\b/.test(i.args)), `${file}: runs npm (builds have no registry: prepare the context on the host)`);
    const ep = final.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    if (expect.entrypoint === undefined) {
      assert.equal(ep, undefined, `${file}: no ENTRYPOINT (the Pod's command starts the manager)`);
      return;
    }
    assert.ok(ep, `${file}: ENTRYPOINT`);
    assert.deepEqual(JSON.parse(ep.args), ['node', expect.entrypoint], `${file}: ENTRYPOINT (exec form)`);
    assert.ok(final.some((i) => i.op === 'COPY' && /^app\/ \/app\/$/.test(i.args)), `${file}: copies app/ (package.json, dist/) into /app`);
    assert.ok(final.some((i) => i.op === 'COPY' && /node_modules/.test(i.args)), `${file}: copies production node_modules`);
  }

  test('operator image: pinned bases, non-root 10001, entrypoint, ports', () => {
    lint('Dockerfile', { user: '10001', entrypoint: '/app/dist/src/platform/kubernetes/main.js', ports: [9443, 8080, 8081] });
  });

  test('operand image: only PostgreSQL (no Node.js, no app), pinned base, uid 26, PostgreSQL 15 by default via PG_MAJOR, bzip2, PgBouncer, ports', () => {
    lint('Dockerfile.operand', { user: '26', ports: [5432, 8000, 9187, 9127] });
    const text = readFileSync(join(root, 'Dockerfile.operand'), 'utf8');
    assert.match(text, /^ARG PG_MAJOR=15$/m);
    assert.match(text, /postgresql-\$\{PG_MAJOR\}/);
    assert.match(text, /apt\.postgresql\.org\.sh/, 'other majors come from the PGDG repository');
    assert.match(text, /\bbzip2\b/);
    assert.match(text, /apt-get install -y --no-install-recommends [^\n]*\bpgbouncer\b/, 'pooler Pods run Debian\'s PgBouncer from this image');
    assert.match(text, /--uid 26\b/);
    assert.match(text, /FROM debian:\$\{DEBIAN_VERSION\}-slim/);
    assert.ok(!/^(COPY|FROM node)/m.test(text), 'the operand image holds no Node.js and no app: the init container copies them from the operator image');
  });

  test('scripts/image-context.sh prepares what Dockerfile copies: app/ with dist/src without tests, node_modules without dev dependencies', () => {
    const ctx = mkdtempSync(join(tmpdir(), 'cnpg-image-context-'));
    try {
      const r = spawnSync('bash', [join(root, 'scripts', 'image-context.sh'), ctx], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      for (const m of readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const src of m[1]!.split(/\s+/)) assert.ok(existsSync(join(ctx, src)), `Dockerfile: COPY ${src} is not in the prepared context`);
      }
      assert.deepEqual(readdirSync(join(ctx, 'app')).sort(), ['dist', 'package-lock.json', 'package.json']);
      assert.ok(existsSync(join(ctx, 'app', 'dist', 'src', 'platform', 'kubernetes', 'main.js')));
      assert.ok(existsSync(join(ctx, 'app', 'dist', 'src', 'instance', 'main.js')));
      assert.deepEqual(readdirSync(join(ctx, 'app', 'dist')), ['src'], 'only dist/src (no compiled tests or benches)');
      const tests = spawnSync('find', [join(ctx, 'app', 'dist'), '-name', '*.test.js'], { encoding: 'utf8' }).stdout.trim();
      assert.equal(tests, '', 'compiled unit tests left in dist/');
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
      for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(ctx, 'node_modules', dep, 'package.json')), `production dependency ${dep} missing`);
      for (const dep of ['typescript', 'eslint', 'playwright-core']) assert.ok(!existsSync(join(ctx, 'node_modules', dep)), `dev dependency ${dep} in the image context`);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});

describe('config/ (kustomize-style sources)', () => {
  const objs = configObjects();

  test('every file parses and has apiVersion, kind, metadata.name; namespaced objects are in cnpg-system', () => {
    assert.ok(objs.length > 0);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CustomResourceDefinition']);
    for (const o of objs) {
      assert.ok(o.apiVersion && o.kind && o.metadata?.name, JSON.stringify(o).slice(0, 100));
      if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind}/${o.metadata.name}`);
      else assert.equal(o.metadata.namespace, NS, `${o.kind}/${o.metadata.name} namespace`);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'cnpg-ts', `${o.kind}/${o.metadata.name} label`);
    }
    find(objs, 'Namespace', NS);
  });

  test('kustomizations list existing resources and carry the package version', () => {
    for (const sub of ['default', 'manager', 'rbac', 'webhook']) {
      const dir = join(root, 'config', sub);
      const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; images?: { name: string; newTag: string }[]; labels?: { pairs: Record<string, string> }[] };
      for (const r of k.resources) assert.ok(existsSync(join(dir, r)), `config/${sub}: ${r}`);
      if (sub === 'default') {
        assert.equal(k.images?.find((i) => i.name === 'ghcr.io/cnpg-ts/cnpg-ts')?.newTag, version, 'config/default images newTag = package.json version');
        assert.equal(k.labels?.[0]?.pairs['app.kubernetes.io/version'], version, 'config/default version label = package.json version');
      }
    }
  });

  test('Deployment contract', () => checkDeployment(objs, NS, 'config'));
  test('RBAC: least privilege, no wildcards', () => checkRbac(objs, NS, 'config'));
  test('webhooks and their Service', () => checkWebhooks(objs, NS, 'config'));
});

describe('release manifest (scripts/release-manifest.mjs)', () => {
  test('renders every object in apply order, deterministically', async () => {
    const rel = await releaseModule();
    const a = rel.renderAll(root);
    const b = rel.renderAll(root);
    assert.equal(a.version, version);
    assert.deepEqual([...a.files], [...b.files], 'same inputs, same bytes');
    const path = `releases/cnpg-ts-${version}.yaml`;
    const text = a.files.get(path);
    assert.ok(text, path);
    const objs = docs(text, path);
    assert.equal(objs[0]?.kind, 'Namespace');
    assert.equal(objs[0]?.metadata.name, NS);
    const kinds = objs.map((o) => o.kind);
    assert.ok(kinds.lastIndexOf('CustomResourceDefinition') < kinds.indexOf('ServiceAccount'), 'CRDs before everything that is not the Namespace');
    assert.ok(kinds.indexOf('Deployment') < kinds.indexOf('ValidatingWebhookConfiguration'), 'webhook configurations last');
    for (const o of objs.filter((x) => x.kind !== 'CustomResourceDefinition')) assert.equal(o.metadata.labels?.['app.kubernetes.io/version'], version);
    checkDeployment(objs, NS, path);
    checkRbac(objs, NS, path);
    checkWebhooks(objs, NS, path);
    const crdFiles = existsSync(join(root, 'config/crd/bases')) ? readdirSync(join(root, 'config/crd/bases')).filter((f) => /^postgresql\.cnpg\.io_.*\.ya?ml$/.test(f)) : [];
    assert.equal(objs.filter((o) => o.kind === 'CustomResourceDefinition').length >= crdFiles.length, true, 'every CRD file is included');
  });

  test('the committed release manifest and chart CRD copies are fresh', async () => {
    const rel = await releaseModule();
    const a = rel.renderAll(root);
    const stale = [...a.files].filter(([p, c]) => !existsSync(join(root, p)) || readFileSync(join(root, p), 'utf8') !== c).map(([p]) => p);
    stale.push(...rel.staleChartCrds(root, a.files));
    assert.deepEqual(stale, [], `generated files are stale or missing; run: node scripts/release-manifest.mjs`);
  });

  test('includes the CRDs from config/crd/bases when present, and copies them into the chart with keep', async () => {
    const rel = await releaseModule();
    const tmp = mkdtempSync(join(tmpdir(), 'cnpg-pkg-'));
    try {
      cpSync(join(root, 'package.json'), join(tmp, 'package.json'));
      for (const sub of ['default', 'manager', 'rbac', 'webhook']) cpSync(join(root, 'config', sub), join(tmp, 'config', sub), { recursive: true });
      mkdirSync(join(tmp, 'config/crd/bases'), { recursive: true });
      const crd = (plural: string, kind: string): string =>
        `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.postgresql.cnpg.io\nspec:\n  group: postgresql.cnpg.io\n  names: {kind: ${kind}, plural: ${plural}}\n  scope: Namespaced\n  versions: []\n`;
      writeFileSync(join(tmp, 'config/crd/bases/postgresql.cnpg.io_poolers.yaml'), crd('poolers', 'Pooler'));
      writeFileSync(join(tmp, 'config/crd/bases/postgresql.cnpg.io_clusters.yaml'), crd('clusters', 'Cluster'));
      writeFileSync(join(tmp, 'config/crd/bases/other.yaml'), crd('ignored', 'Ignored'));
      const { files } = rel.renderAll(tmp);
      const objs = docs(files.get(`releases/cnpg-ts-${version}.yaml`)!, 'tmp release');
      assert.deepEqual(objs.slice(0, 3).map((o) => `${o.kind}/${o.metadata.name}`), ['Namespace/cnpg-system', 'CustomResourceDefinition/clusters.postgresql.cnpg.io', 'CustomResourceDefinition/poolers.postgresql.cnpg.io']);
      const copy = docs(files.get('charts/cnpg-ts/files/crds/postgresql.cnpg.io_clusters.yaml')!, 'chart crd');
      assert.equal(copy[0]?.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      assert.equal(objs[1]?.metadata.annotations, undefined, 'the release manifest keeps the CRD as generated');
      mkdirSync(join(tmp, 'charts/cnpg-ts/files/crds'), { recursive: true });
      writeFileSync(join(tmp, 'charts/cnpg-ts/files/crds/postgresql.cnpg.io_gone.yaml'), 'x: 1\n');
      assert.deepEqual(rel.staleChartCrds(tmp, files), ['charts/cnpg-ts/files/crds/postgresql.cnpg.io_gone.yaml']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

});

describe('Helm chart charts/cnpg-ts (static)', () => {
  const chartDir = join(root, 'charts/cnpg-ts');
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;

  test('Chart.yaml: apiVersion v2, appVersion = package version', () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'cnpg-ts');
    assert.equal(chart.type, 'application');
    assert.equal(chart.appVersion, version);
    assert.equal(chart.version, version);
  });

  test('values.yaml has the documented knobs with safe defaults', () => {
    const get = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], values);
    const expected: Record<string, unknown> = {
      replicaCount: 1,
      'image.repository': 'ghcr.io/cnpg-ts/cnpg-ts',
      'image.tag': '',
      'image.pullPolicy': 'IfNotPresent',
      'operandImage.repository': 'ghcr.io/cnpg-ts/postgresql',
      'operandImage.pgMajor': 15,
      watchNamespace: '',
      'monitoring.podMonitorEnabled': false,
      'webhook.port': 9443,
      'crds.create': true,
      'podSecurityContext.runAsUser': 10001,
      'podSecurityContext.runAsNonRoot': true,
      'containerSecurityContext.readOnlyRootFilesystem': true,
    };
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(get(k), v, `values.${k}`);
    for (const k of ['resources', 'nodeSelector', 'tolerations', 'affinity']) assert.ok(get(k) !== undefined, `values.${k}`);
  });

  test('templates only reference values that exist in values.yaml', () => {
    const dir = join(chartDir, 'templates');
    const seen = new Set<string>();
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const m of text.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = m[1]!.slice(1).split('.');
        seen.add(path.join('.'));
        let cur: unknown = values;
        for (const key of path) {
          assert.ok(cur !== null && typeof cur === 'object' && key in (cur as object), `templates/${f}: .Values.${path.join('.')} is not in values.yaml`);
          cur = (cur as Record<string, unknown>)[key];
        }
      }
    }
    for (const k of ['image.repository', 'operandImage.pgMajor', 'watchNamespace', 'webhook.port', 'crds.create', 'monitoring.podMonitorEnabled', 'resources', 'nodeSelector', 'tolerations', 'affinity', 'replicaCount']) {
      assert.ok(seen.has(k), `values.${k} is never used by a template`);
    }
  });

  test('templates name the fixed objects and CRDs come from files/crds behind crds.create', () => {
    const all = readdirSync(join(chartDir, 'templates')).map((f) => readFileSync(join(chartDir, 'templates', f), 'utf8')).join('\n');
    for (const name of ['cnpg-controller-manager', 'cnpg-manager', 'cnpg-operator', 'cnpg-webhook-service', 'cnpg-mutating-webhook-configuration', 'cnpg-validating-webhook-configuration', 'cnpg-ts-leader', 'cnpg-webhook-cert', '/run/secrets/cnpg-ts/webhook']) {
      assert.ok(all.includes(name), `templates mention ${name}`);
    }
    const crds = readFileSync(join(chartDir, 'templates/crds.yaml'), 'utf8');
    assert.match(crds, /if \.Values\.crds\.create/);
    assert.match(crds, /\.Files\.Glob "files\/crds\/\*\.yaml"/);
    assert.ok(!existsSync(join(chartDir, 'crds')), 'no crds/ folder: CRDs are templated so upgrades update them');
    for (const f of yamlFiles(join(chartDir, 'files/crds'))) {
      for (const d of docs(readFileSync(f, 'utf8'), f)) assert.equal(d.metadata.annotations?.['helm.sh/resource-policy'], 'keep', f);
    }
  });
});

describe('Helm chart charts/cnpg-ts (helm lint + helm template)', () => {
  const cache = process.env.CNPG_TOOLS_CACHE ?? join(homedir(), '.cache/cnpg-ts');
  const helm = join(cache, 'bin/helm');
  const have = existsSync(helm);
  const why = 'helm is not built: run `bash scripts/build-helm.sh build` (Go, a few minutes, once) to enable helm lint/template';
  const chartDir = join(root, 'charts/cnpg-ts');
  const run = (args: string[]): string => {
    const r = spawnSync(helm, args, { cwd: root, encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(tmpdir(), 'cnpg-helm-cache'), HELM_CONFIG_HOME: join(tmpdir(), 'cnpg-helm-config'), HELM_DATA_HOME: join(tmpdir(), 'cnpg-helm-data') } });
    assert.equal(r.status, 0, `helm ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const template = (...set: string[]): K8sObject[] =>
    docs(run(['template', 'cnpg', chartDir, '--namespace', NS, '--kube-version', '1.30.0', ...set.flatMap((s) => ['--set', s])]), 'helm template');

  test('helm lint --strict', { skip: have ? false : why }, () => {
    run(['lint', '--strict', chartDir]);
    run(['lint', '--strict', chartDir, '--set', 'watchNamespace=a\\,b', '--set', 'monitoring.podMonitorEnabled=true']);
  });

  test('default render matches the release manifest contracts', { skip: have ? false : why }, async () => {
    const objs = template();
    checkDeployment(objs, NS, 'helm');
    checkRbac(objs, NS, 'helm');
    checkWebhooks(objs, NS, 'helm');
    const rel = await releaseModule();
    const relObjs = docs(rel.renderAll(root).files.get(`releases/cnpg-ts-${version}.yaml`)!, 'release');
    const ids = (os: K8sObject[]): string[] => os.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    assert.deepEqual(ids(objs), ids(relObjs), 'helm and the release manifest create the same objects (apart from the Namespace)');
    for (const [kind, name] of [['ClusterRole', 'cnpg-manager'], ['Role', 'cnpg-operator']] as const) {
      assert.deepEqual(grants(find<RoleObject>(objs, kind, name).rules), grants(find<RoleObject>(relObjs, kind, name).rules), `${kind}/${name}: same grants in the chart and config/rbac`);
    }
    assert.equal(objs.filter((o) => o.kind === 'PodMonitor').length, 0);
  });

  test('watchNamespace gives namespaced RBAC and scoped webhooks; crds.create=false drops CRDs; PodMonitor', { skip: have ? false : why }, () => {
    const objs = template('watchNamespace=team-a\\, team-b', 'crds.create=false', 'monitoring.podMonitorEnabled=true', 'image.tag=dev', 'operandImage.pgMajor=16');
    const cr = find<RoleObject>(objs, 'ClusterRole', 'cnpg-manager').rules;
    assert.ok(!allows(cr, '', 'secrets', 'get'), 'no cluster-wide secrets when namespaced');
    assert.ok(allows(cr, '', 'nodes', 'list'));
    for (const ns of ['team-a', 'team-b']) {
      const role = find<RoleObject>(objs, 'Role', 'cnpg-manager', ns).rules;
      assert.ok(allows(role, '', 'secrets', 'create') && allows(role, 'postgresql.cnpg.io', 'clusters', 'watch'), `Role in ${ns}`);
      find(objs, 'RoleBinding', 'cnpg-manager', ns);
    }
    for (const o of objs) if (o.kind === 'Role' || o.kind === 'ClusterRole') assertNoWildcards((o as RoleObject).rules, `helm ${o.kind}/${o.metadata.name}`);
    const v = find<WebhookConfig>(objs, 'ValidatingWebhookConfiguration', 'cnpg-validating-webhook-configuration');
    for (const w of v.webhooks) assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] }] });
    assert.equal(objs.filter((o) => o.kind === 'CustomResourceDefinition').length, 0);
    find(objs, 'PodMonitor', 'cnpg-controller-manager', NS);
    const c = find<DeploymentObject>(objs, 'Deployment', 'cnpg-controller-manager', NS).spec.template.spec.containers[0]!;
    assert.equal(c.image, 'ghcr.io/cnpg-ts/cnpg-ts:dev');
    const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.get('WATCH_NAMESPACE'), 'team-a, team-b');
    assert.equal(env.get('OPERAND_IMAGE'), `ghcr.io/cnpg-ts/postgresql:16-${version}`);
    assert.equal(env.get('OPERATOR_IMAGE_NAME'), 'ghcr.io/cnpg-ts/cnpg-ts:dev', 'image.tag reaches the instance Pods’ init container');
  });

  test('dashboard.enabled serves the live dashboard behind the Service cnpg-dashboard; off by default', { skip: have ? false : why }, () => {
    run(['lint', '--strict', chartDir, '--set', 'dashboard.enabled=true']);
    const objs = template('dashboard.enabled=true', 'dashboard.port=9000');
    const c = find<DeploymentObject>(objs, 'Deployment', 'cnpg-controller-manager', NS).spec.template.spec.containers[0]!;
    assert.equal(new Map((c.env ?? []).map((e) => [e.name, e.value])).get('DASHBOARD_PORT'), '9000');
    assert.equal(c.ports?.find((p) => p.name === 'dashboard')?.containerPort, 9000);
    const svc = find<K8sObject & { spec: { ports: Array<{ port: number; targetPort: string }> } }>(objs, 'Service', 'cnpg-dashboard', NS);
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 'dashboard']]);
    const off = template();
    assert.equal(off.filter((o) => o.metadata.name === 'cnpg-dashboard').length, 0);
    const env = find<DeploymentObject>(off, 'Deployment', 'cnpg-controller-manager', NS).spec.template.spec.containers[0]!.env ?? [];
    assert.ok(!env.some((e) => e.name === 'DASHBOARD_PORT'));
  });

  test('crds.create=true renders every CRD from files/crds', { skip: have ? false : why }, () => {
    const n = yamlFiles(join(chartDir, 'files/crds')).length;
    assert.equal(template().filter((o) => o.kind === 'CustomResourceDefinition').length >= n, true);
  });
});

describe('krew manifest plugins/krew/cnpg.yaml', () => {
  test('krew-style, four platforms, release URL pattern, sha256 placeholders, bin kubectl-cnpg', async () => {
    const text = readFileSync(join(root, 'plugins/krew/cnpg.yaml'), 'utf8');
    const m = parse(text) as { apiVersion: string; kind: string; metadata: Meta; spec: { version: string; shortDescription: string; platforms: { selector: { matchLabels: { os: string; arch: string } }; uri: string; sha256: string; bin: string }[] } };
    assert.equal(m.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
    assert.equal(m.kind, 'Plugin');
    assert.equal(m.metadata.name, 'cnpg');
    assert.equal(m.spec.version, `v${version}`);
    assert.ok(pkg.bin['kubectl-cnpg'], 'package.json declares the kubectl-cnpg bin');
    const rel = await releaseModule();
    assert.deepEqual(m.spec.platforms.map((p) => [p.selector.matchLabels.os, p.selector.matchLabels.arch]), rel.KREW_PLATFORMS);
    for (const p of m.spec.platforms) {
      const { os, arch } = p.selector.matchLabels;
      assert.equal(p.uri, `https://github.com/cnpg-ts/cnpg-ts/releases/download/v${version}/kubectl-cnpg_${version}_${os}_${arch}.tar.gz`);
      assert.equal(p.sha256, `SHA256_${os.toUpperCase()}_${arch.toUpperCase()}`);
      assert.equal(p.bin, 'kubectl-cnpg');
    }

    const tmp = mkdtempSync(join(tmpdir(), 'cnpg-krew-'));
    try {
      for (const [os, arch] of rel.KREW_PLATFORMS) writeFileSync(join(tmp, rel.krewArchiveName(version, os, arch)), `${os}-${arch}`);
      const filled = parse(rel.renderKrew(root, version, tmp)) as typeof m;
      for (const p of filled.spec.platforms) assert.match(p.sha256, /^[0-9a-f]{64}$/);
      rmSync(join(tmp, rel.krewArchiveName(version, 'darwin', 'arm64')));
      assert.throws(() => rel.renderKrew(root, version, tmp), /missing plugin archive/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('docs/install.md', () => {
  test('documents the install paths and the per-cluster instance RBAC', () => {
    const text = readFileSync(join(root, 'docs/install.md'), 'utf8');
    for (const s of [`kubectl apply --server-side -f`, 'helm install', 'cnpg-system', 'krew', 'ServiceAccount', 'crds.create', 'no Docker engine', 'scripts/build-helm.sh']) {
      assert.ok(text.includes(s), `docs/install.md mentions ${s}`);
    }
  });
});
