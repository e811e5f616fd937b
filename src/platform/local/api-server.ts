// The local API: JSON over HTTP on 127.0.0.1, every request authenticated with the daemon's token.
import { verificationMetricsText } from '../../operator/verification-metrics.js';
import type { StoredBackup } from '../../api/backup.js';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkUpdate, ManifestError, nameClashIssue, nameRivalKind, parseManifests, validateObject, type Cluster, type Pooler } from '../../api/index.js';
import { formatPath, msg, toIssue, type ValidationIssue } from '../../api/errors.js';
import { MAX_YAML_DEPTH, nestedDeeperThan } from '../../api/yaml-bounds.js';
import type { KubeObject } from '../../api/meta.js';
import { ANNOTATIONS, LABELS } from '../../api/names.js';
import { objectTooLarge } from '../../api/object-size.js';
import { pinImage } from '../../api/defaults.js';
import { fencingRefusal } from '../../operator/failover.js';
import { clusterQueriesIssues, documentWriteIssues } from '../../operator/monitoring-admission.js';
import { instanceMetricsFrom, type InstanceMetrics } from '../../operator/instance-metrics.js';
import { findInstallations, resolveInstallation, PostgresNotInstalledError } from '../../postgres/binaries.js';
import { obtainPostgres } from '../../postgres/distributions.js';
import { catalogImage, wantedVersion } from '../../operator/postgres-version.js';
import { withCatalogExtensions } from '../../operator/catalog-extensions.js';
import type { ResourceStore } from '../../operator/platform.js';
import { describeServerOnce, type RunAs } from '../../postgres/describe-server.js';
import { checkParametersAgainst } from '../../api/guc-check.js';
import { libraryIssues } from './library-admission.js';
import type { ControlPlane } from './control-plane.js';
import { lookupUser, type CnpgHome } from './home.js';
import { destinationRefusal, fileDestinations } from './file-destinations.js';
import { mergePatch } from './merge-patch.js';
import { ConflictError, NotFoundError, StoreWriteError, TooLargeError } from './store.js';
import { clusterServices, instancePod, instanceVolumes, OPERATOR_NAMESPACE, operatorDeployment, poolerService } from './views.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SYNTHESISED = new Set(['Pod', 'PersistentVolumeClaim']);
/** Kinds whose objects are (also) views, looked up by listing. */
const VIEWS = new Set([...SYNTHESISED, 'Service', 'Deployment']);

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 'request body is not JSON');
  }
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Checks and defaults that need this machine: no file:// store inside CNPG_HOME (file-destinations.ts);
 * the PostgreSQL major a Cluster asks for must be installed, a Cluster naming no image is pinned to
 * the newest installed major, as CloudNativePG's defaulting webhook pins it to the operator's
 * default image, a version not installed is fetched (src/postgres/distributions.ts), and its parameters must be ones the installed server itself accepts.
 */
async function admit(obj: KubeObject, homeRoot: string, describeAs: RunAs | undefined, defaultImage: () => string, store: Pick<ResourceStore, 'get'>): Promise<void> {
  if (SYNTHESISED.has(obj.kind)) {
    throw new ApiError(422, `${obj.kind}/${obj.metadata.name}: ${obj.kind}s are created by the operator in local mode and cannot be applied`);
  }
  if (obj.kind !== 'Cluster') return;
  for (const d of fileDestinations(obj as Cluster)) {
    const refusal = destinationRefusal(homeRoot, d);
    if (refusal) throw new ApiError(422, `Cluster/${obj.metadata.name}: ${d.field}: ${refusal}`);
  }
  try {
    (obj as Cluster).spec = pinImage((obj as Cluster).spec, defaultImage);
  } catch (e) {
    throw new ApiError(422, `Cluster/${obj.metadata.name}: ${(e as Error).message}`);
  }
  const spec = (obj as Cluster).spec;
  const wanted = wantedVersion(obj as Cluster, await catalogImage(store, obj as Cluster));
  let binDir: string;
  try {
    // The first apply naming a build not here waits for its fetch (a 10 MB download, seconds):
    // the server checks the Cluster's parameters, and a version nobody has is refused here.
    binDir = wanted ? (await obtainPostgres(wanted)).binDir : resolveInstallation(undefined).binDir;
  } catch (e) {
    if (e instanceof PostgresNotInstalledError) {
      const field = (obj as Cluster).spec.imageCatalogRef ? 'spec.imageCatalogRef.major' : 'spec.imageName';
      throw new ApiError(422, `Cluster/${obj.metadata.name}: ${field}: ${e.message}`);
    }
    throw e;
  }
  const catalog = await describeServerOnce(binDir, describeAs);
  const findings = checkParametersAgainst(spec.postgresql.parameters, [catalog]);
  if (findings.length > 0) {
    throw new ManifestError(findings.map((f) => toIssue('Cluster', obj.metadata.name, { ...f, path: formatPath(['spec', 'postgresql', 'parameters', f.path]) })));
  }
  // With its catalog's extensions merged in; one the catalog does not give yet is the controller's to report.
  const resolved = await withCatalogExtensions(store, obj as Cluster).catch(() => undefined);
  const libraries = resolved ? libraryIssues(resolved, binDir, catalog.major) : [];
  if (libraries.length > 0) throw new ManifestError(libraries);
}

const SCRAPE_TIMEOUT_MS = 3000;

/** What `status` shows from an instance's exporter; nothing when it does not answer in time. */
async function scrapeInstance(port: number | undefined): Promise<InstanceMetrics | undefined> {
  if (port === undefined) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return res.ok ? instanceMetricsFrom(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** The server refuses root; asking it to describe itself needs no rights at all. */
function describingUser(home: CnpgHome): RunAs | undefined {
  return home.asRoot ? (lookupUser('nobody') ?? lookupUser('postgres')) : undefined;
}

export class LocalApi {
  private readonly describeAs: RunAs | undefined;

  constructor(private readonly d: ControlPlane) {
    this.describeAs = describingUser(d.home);
  }

  /**
   * The servers describe themselves in the background, so the first apply seldom waits for it;
   * a failure here is retried by that apply, which reports it.
   */
  describeInstalledServers(): void {
    for (const installation of findInstallations()) describeServerOnce(installation.binDir, this.describeAs).catch(() => undefined);
  }

  /** What a write must pass beyond the manifest's own validation: this machine, and what is stored. */
  private async admitWrite(resource: KubeObject, existing: KubeObject | undefined, batch: readonly KubeObject[] = []): Promise<void> {
    await admit(resource, this.d.home.root, this.describeAs, () => this.d.instances.defaultImage(), this.d.store);
    if (existing) checkUpdate(existing, resource);
    this.refuseBrokenQueries(resource, batch);
  }

  /** Custom queries are checked at apply, against what the same apply writes before what is stored. */
  private refuseBrokenQueries(resource: KubeObject, batch: readonly KubeObject[]): void {
    const ns = resource.metadata.namespace;
    const sameNs = (o: KubeObject) => (o.metadata.namespace ?? 'default') === (ns ?? 'default');
    let issues: ValidationIssue[] = [];
    if (resource.kind === 'Cluster') {
      const lookup = (kind: string, name: string) => batch.find((o) => o.kind === kind && o.metadata.name === name && sameNs(o)) ?? this.d.store.getSync(kind, ns, name);
      issues = clusterQueriesIssues(resource as Cluster, lookup);
    } else if (resource.kind === 'ConfigMap' || resource.kind === 'Secret') {
      const applied = batch.filter((o) => o.kind === 'Cluster' && sameNs(o)) as Cluster[];
      const stored = (this.d.store.listSync('Cluster', ns) as Cluster[]).filter((c) => !applied.some((a) => a.metadata.name === c.metadata.name));
      issues = documentWriteIssues(resource, [...applied, ...stored]);
    }
    if (issues.length > 0) throw new ManifestError(issues);
  }

  /** `dryRun: 'client'` checks the manifests only; 'server' also runs this machine's admission checks. */
  async apply(manifest: string, dryRun: 'none' | 'client' | 'server'): Promise<{ results: Array<{ apiVersion: string; kind: string; name: string; namespace?: string; action: string }>; warnings: string[] }> {
    const { resources, warnings } = parseManifests(manifest);
    // Every document is measured before any is written, so that a multi-document apply stays all-or-nothing.
    for (const r of resources) {
      const tooLarge = objectTooLarge(r);
      if (tooLarge) throw new ApiError(413, tooLarge);
    }
    if (dryRun !== 'client') {
      for (const r of resources) {
        this.refuseManagedService(r);
        const existing = this.d.store.getSync(r.kind, r.metadata.namespace, r.metadata.name);
        if (!existing) this.refuseNameClash(r, resources);
        await this.admitWrite(r, existing, resources);
      }
    }
    if (dryRun !== 'none') return { results: resources.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace, action: 'validated (dry run)' })), warnings };
    const results = [];
    for (const r of resources) {
      const { object, action } = await this.d.store.apply(r);
      results.push({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, action });
    }
    return { results, warnings };
  }

  /** Every cluster is asked at once: a manager that does not answer costs its status timeout once, not once per cluster. */
  async pods(namespace: string | undefined): Promise<KubeObject[]> {
    const clusters = this.d.store.listSync('Cluster', namespace) as Cluster[];
    const perCluster = await Promise.all(
      clusters.map(async (cluster) => {
        const observed = new Map((await this.d.instances.observe(cluster)).map((o) => [o.name, o]));
        return this.d.instances
          .records(cluster.metadata.namespace ?? 'default', cluster.metadata.name)
          .flatMap(({ dir, record }) => {
            const o = observed.get(record.name);
            return o ? [instancePod(cluster, record, dir, o)] : [];
          });
      }),
    );
    return perCluster.flat().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true }));
  }

  /** The Services the operator manages: each Cluster's endpoints and each Pooler's. */
  private clusterServices(namespace: string | undefined): KubeObject[] {
    const clusters = this.d.store.listSync('Cluster', namespace) as Cluster[];
    return [...clusters.flatMap((c) => clusterServices(c, this.d.endpoints.additionalAddressesSync(c))), ...this.d.store.listSync('Pooler', namespace).flatMap(poolerService)];
  }

  /** Each instance's data directory, kept while the instance exists, also when it is stopped. */
  private volumes(namespace: string | undefined): KubeObject[] {
    return (this.d.store.listSync('Cluster', namespace) as Cluster[])
      .flatMap((cluster) => this.d.instances.records(cluster.metadata.namespace ?? 'default', cluster.metadata.name).flatMap(({ dir, record }) => instanceVolumes(cluster, record, dir)))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true }));
  }

  async list(kind: string, namespace: string | undefined): Promise<KubeObject[]> {
    if (kind === 'Pod') return this.pods(namespace);
    if (kind === 'PersistentVolumeClaim') return this.volumes(namespace);
    if (kind === 'Deployment') {
      const operator = namespace === undefined || namespace === OPERATOR_NAMESPACE ? [operatorDeployment(new Date(Date.now() - process.uptime() * 1000), process.pid)] : [];
      return [...operator, ...this.d.store.listSync(kind, namespace)];
    }
    if (kind === 'Service') {
      return [...this.clusterServices(namespace), ...this.d.store.listSync('Service', namespace)].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    }
    return this.d.store.listSync(kind, namespace);
  }

  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject> {
    const found = VIEWS.has(kind)
      ? (await this.list(kind, namespace)).find((o) => o.metadata.name === name)
      : this.d.store.getSync(kind, namespace, name);
    if (!found) throw new ApiError(404, `${kind.toLowerCase()}s "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}`);
    return found;
  }

  /** A new Pooler may not take a Cluster's name in its namespace, nor a new Cluster a Pooler's (nameRivalKind), stored or in the same apply. */
  private refuseNameClash(resource: KubeObject, batch: readonly KubeObject[]): void {
    const rival = nameRivalKind(resource.kind);
    if (!rival) return;
    const { name, namespace } = resource.metadata;
    const taken = this.d.store.getSync(rival, namespace, name) ?? batch.find((o) => o.kind === rival && o.metadata.name === name && o.metadata.namespace === namespace);
    if (taken) throw new ManifestError([nameClashIssue(resource)]);
  }

  /** The Cluster's own Services are views of its endpoints; a stored Service may not take their names. */
  private refuseManagedService(obj: KubeObject): void {
    if (obj.kind !== 'Service') return;
    const managed = this.clusterServices(obj.metadata.namespace).find((s) => s.metadata.name === obj.metadata.name);
    if (managed) {
      const pooler = managed.metadata.labels?.[LABELS.poolerName];
      const owner = pooler ? `Pooler ${pooler}` : `Cluster ${managed.metadata.labels?.[LABELS.cluster]}`;
      throw new ApiError(422, `Service/${obj.metadata.name}: metadata.name: ${obj.metadata.name} is an endpoint of ${owner} and is managed by the operator`);
    }
  }

  async patch(kind: string, namespace: string | undefined, name: string, patch: unknown): Promise<{ object: KubeObject; action: string; warnings: string[] }> {
    if (SYNTHESISED.has(kind)) throw new ApiError(422, `${kind}s are managed by the operator in local mode and cannot be patched`);
    if (kind === 'Service') this.refuseManagedService({ kind, apiVersion: 'v1', metadata: { name, namespace } });
    if (nestedDeeperThan(patch)) throw new ApiError(422, `${kind}/${name}: ${msg.patchTooDeep(MAX_YAML_DEPTH)}`);
    let warnings: string[] = [];
    // Read, checked and written under the object's lock: a deletion meanwhile makes it a 404, not a new object.
    const updated = await this.d.store.update(kind, namespace, name, async (current) => {
      const patched = mergePatch(current, patch) as KubeObject;
      if (patched.metadata?.name !== name || patched.kind !== kind) throw new ApiError(422, 'a patch cannot change kind or metadata.name');
      delete patched.status;
      if (kind === 'Cluster') this.refuseUnknownFencedInstances(current, patched);
      // Warnings as apply gives them, about what the patch writes (not the stored defaults).
      const written = mergePatch({ apiVersion: current.apiVersion, kind, metadata: { name } }, patch);
      const validated = validateObject(patched, 'local', written);
      await this.admitWrite(validated.resource, current);
      warnings = validated.warnings;
      return validated.resource;
    });
    return { ...updated, warnings };
  }

  /** `fencing on` of an instance the cluster does not have would fence nothing and say "fenced". */
  private refuseUnknownFencedInstances(current: KubeObject, patched: KubeObject): void {
    const instances = this.d.instances.records(current.metadata.namespace ?? 'default', current.metadata.name).map((r) => r.record.name);
    const refusal = fencingRefusal(current.metadata.annotations, patched.metadata.annotations, instances);
    if (refusal) throw new ApiError(422, `Cluster/${current.metadata.name}: metadata.annotations[${ANNOTATIONS.fencedInstances}]: ${refusal}`);
  }

  async delete(kind: string, namespace: string | undefined, name: string): Promise<string> {
    if (kind === 'Pod') {
      const pod = await this.get('Pod', namespace, name);
      const cluster = this.d.cluster(pod.metadata.namespace ?? 'default', pod.metadata.labels?.[LABELS.cluster] ?? '');
      if (!cluster) throw new ApiError(404, `pod ${name} belongs to no cluster`);
      await this.d.instances.stop(cluster, name);
      this.d.enqueue(cluster.metadata.namespace ?? 'default', cluster.metadata.name);
      return 'deleted';
    }
    if (kind === 'Service') this.refuseManagedService({ kind, apiVersion: 'v1', metadata: { name, namespace } });
    if (kind === 'PersistentVolumeClaim') throw new ApiError(422, 'persistentvolumeclaims are the data directories of instances in local mode and go with their instance: scale the Cluster down or delete it');
    // The operator stops what runs for them before the object goes (a finalizer, on Kubernetes).
    if (kind === 'Cluster' || kind === 'Pooler' || (this.d.store.getSync(kind, namespace, name)?.metadata.finalizers?.length ?? 0) > 0) {
      if (!(await this.d.store.markDeleted(kind, namespace, name))) throw new ApiError(404, `${kind.toLowerCase()}s.postgresql.cnpg.io "${name}" not found`);
      return 'deleted';
    }
    if (!(await this.d.store.delete(kind, namespace, name))) throw new ApiError(404, `${kind.toLowerCase()}s "${name}" not found`);
    return 'deleted';
  }

  async clusterReport(namespace: string, name: string): Promise<unknown> {
    const cluster = await this.get('Cluster', namespace, name);
    const observed = await this.d.instances.observe(cluster as Cluster);
    const records = new Map(this.d.instances.records(namespace, name).map((r) => [r.record.name, r.record]));
    const poolers = this.d.store.listSync('Pooler', namespace).filter((p) => (p as Pooler).spec.cluster.name === name) as Pooler[];
    const metrics = await Promise.all(observed.map((o) => (o.running ? scrapeInstance(records.get(o.name)?.metricsPort) : undefined)));
    return {
      cluster,
      instances: observed.map((o, i) => {
        const record = records.get(o.name);
        return { ...o, port: record?.pgPort, managerPid: record?.managerPid, metricsPort: record?.metricsPort, ...(metrics[i] ? { metrics: metrics[i] } : {}) };
      }),
      poolers: await Promise.all(poolers.map(async (pooler) => ({ pooler, instances: await this.d.poolers.report(pooler) }))),
      endpointPath: this.d.endpointPath,
    };
  }

  async instanceAccess(namespace: string, name: string): Promise<unknown> {
    const pod = await this.get('Pod', namespace, name);
    const local = (pod.status as { local: { port: number; socketDir: string; pgdata: string } }).local;
    const cluster = pod.metadata.labels?.[LABELS.cluster] ?? '';
    const user = this.d.instances.osUserOf(namespace, cluster);
    if (!user) throw new ApiError(409, `cluster ${namespace}/${cluster} has no operating-system user yet`);
    // Without root the CLI already runs as the only user there is.
    const ids = this.d.home.asRoot ? { uid: user.uid, gid: user.gid } : {};
    return { ...local, osUser: user.name, ...ids, cluster };
  }

  logFiles(namespace: string, cluster: string): Array<{ instance: string; files: string[] }> {
    return this.d.instances.records(namespace, cluster).map(({ dir, record }) => ({
      instance: record.name,
      files: [`${dir}/manager.log`, `${dir}/postgres.log`],
    }));
  }
}

export function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function startApiServer(daemon: ControlPlane, token: string): Promise<Server> {
  const api = new LocalApi(daemon);
  api.describeInstalledServers();
  const server = createServer((req, res) => {
    void (async () => {
      try {
        // Liveness only, for instance managers' isolation check: says nothing and changes nothing.
        if (req.method === 'GET' && req.url === '/livez') return reply(res, 200, { ok: true });
        // The live dashboard shows nothing secret, so a browser opens it without the token; it checks the token itself for a switchover.
        if (daemon.dashboard.handles(req)) return await daemon.dashboard.handle(req, res);
        if (!authorized(req, token)) throw new ApiError(401, 'missing or wrong token');
        const url = new URL(req.url ?? '/', 'http://localhost');
        const q = (k: string) => url.searchParams.get(k) ?? undefined;
        const need = (k: string): string => {
          const v = q(k);
          if (v === undefined) throw new ApiError(400, `query parameter ${k} is required`);
          return v;
        };
        const route = `${req.method} ${url.pathname}`;
        switch (route) {
          case 'GET /metrics': {
            const metrics = await verificationMetricsText((await daemon.store.list('Backup')) as StoredBackup[]);
            res.writeHead(200, { 'content-type': metrics.contentType }).end(metrics.text);
            return;
          }
          case 'GET /healthz':
            return reply(res, 200, { ok: true, pid: process.pid, home: daemon.home.root, eventLoopDelay: daemon.loopDelay.current() });
          case 'POST /apply': {
            const b = await body(req);
            const dryRun = b.dryRun === 'client' || b.dryRun === 'server' ? b.dryRun : 'none';
            return reply(res, 200, await api.apply(String(b.manifest ?? ''), dryRun));
          }
          case 'GET /list':
            return reply(res, 200, { items: await api.list(need('kind'), q('namespace')) });
          case 'GET /get':
            return reply(res, 200, await api.get(need('kind'), q('namespace'), need('name')));
          case 'POST /patch': {
            const b = await body(req);
            return reply(res, 200, await api.patch(need('kind'), q('namespace'), need('name'), b.patch));
          }
          case 'POST /delete':
            return reply(res, 200, { result: await api.delete(need('kind'), q('namespace'), need('name')) });
          case 'GET /events':
            return reply(res, 200, {
              items: daemon.events.eventsFor(need('namespace'), need('kind'), need('name')).map((e) => ({ ...e, source: e.source.component })),
            });
          case 'GET /cluster-report':
            return reply(res, 200, await api.clusterReport(need('namespace'), need('name')));
          case 'GET /instance':
            return reply(res, 200, await api.instanceAccess(need('namespace'), need('name')));
          case 'GET /logs':
            return reply(res, 200, { items: api.logFiles(need('namespace'), need('cluster')) });
          case 'POST /shutdown':
            reply(res, 202, { stopping: true });
            setImmediate(() => void daemon.stop().then(() => process.exit(0)));
            return;
          default:
            throw new ApiError(404, `no route ${route}`);
        }
      } catch (e) {
        if (e instanceof ApiError) return reply(res, e.status, { error: e.message });
        if (e instanceof ManifestError) return reply(res, 422, { error: e.message });
        if (e instanceof NotFoundError) return reply(res, 404, { error: e.message });
        if (e instanceof ConflictError) return reply(res, 409, { error: e.message });
        if (e instanceof TooLargeError) return reply(res, 413, { error: e.message });
        if (e instanceof StoreWriteError) return reply(res, 503, { error: `${e.message}; nothing was changed` });
        reply(res, 500, { error: (e as Error).message });
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
