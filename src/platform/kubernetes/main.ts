#!/usr/bin/env node
// The operator on Kubernetes: admission webhook and health endpoints on every replica; the
// controllers (the same ones as local mode) only on the replica holding the leader Lease.
import { hostname } from 'node:os';
import { createServer } from 'node:http';
import { AdmissionregistrationV1Api, KubeConfig } from '@kubernetes/client-node';
import { LABELS } from '../../api/names.js';
import { CONTROLLED_KINDS, OperatorManager } from '../../operator/operator-manager.js';
import type { Platform } from '../../operator/platform.js';
import { KubePodAddresses } from './pod-addresses.js';
import { dashboardPort, serveDashboard } from './dashboard.js';
import { KubeEndpoints } from './endpoints.js';
import { KubeEvents } from './events.js';
import { CachedStore, ObjectCache } from './cache.js';
import { reuseConnections } from './connections.js';
import { KubeInstances, type KubeInstancesOptions } from './instances.js';
import { LeaderElector } from './leader.js';
import { ownImage } from './operator-image.js';
import { KubePodMonitors } from './pod-monitors.js';
import { KubeInheritedMetadata } from './inherited-metadata.js';
import { KubePoolers } from './poolers.js';
import { OperatorMetrics } from './metrics.js';
import { KubeDrills } from './restore-drill.js';
import type { StoredBackup } from '../../api/backup.js';
import { KubeStore } from './store.js';
import { issueServingCertificate, needsRenewal } from './webhook-cert.js';
import { startWebhookServer } from './webhook.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = (name: string, fallback: string) => process.env[name] || fallback;
// `install generate --log-field-level/--log-field-timestamp` name these two fields, as CloudNativePG's do.
const LEVEL_FIELD = env('LOG_FIELD_LEVEL', 'level');
const TIMESTAMP_FIELD = env('LOG_FIELD_TIMESTAMP', 'ts');
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ [TIMESTAMP_FIELD]: new Date().toISOString(), [LEVEL_FIELD]: 'info', logger: 'operator', msg, ...fields }) + '\n');

/**
 * How often a settled object is reconciled anyway. Failures do not wait for it: an instance whose
 * PostgreSQL stops being ready fails its readiness probe, and the Pod's change is an event. It
 * refreshes what only the managers know (LSNs, lag) and repairs what an event never announced, so
 * minutes are enough; at 10 s a thousand Clusters kept two cores busy.
 */
const RESYNC_MS = 5 * 60_000;
/**
 * Bounds the burst when every Cluster is due at once (a start, a relist). Higher than
 * CloudNativePG's 10 because our reconciles wait for instance operations (a restart, an isolation)
 * that must not hold up another Cluster's failover.
 */
const MAX_CONCURRENT_RECONCILES = Number(env('MAX_CONCURRENT_RECONCILES', '50'));
/** This version's operator image, for an operator started without OPERATOR_IMAGE_NAME. */
const DEFAULT_OPERATOR_IMAGE = 'ghcr.io/cnpg-ts/cnpg-ts:0.1.0';
const WEBHOOK_CERT_SECRET = 'cnpg-webhook-cert';
const WEBHOOK_SERVICE = 'cnpg-webhook-service';
const WEBHOOK_CONFIGS = { validating: 'cnpg-validating-webhook-configuration', mutating: 'cnpg-mutating-webhook-configuration' };

/** The webhook certificate every replica serves, kept in a Secret; renewed when it nears expiry. */
async function webhookCertificate(store: KubeStore, namespace: string): Promise<{ cert: string; key: string; caCert: string }> {
  const existing = await store.get('Secret', namespace, WEBHOOK_CERT_SECRET);
  const read = (k: string) => (existing?.data?.[k] ? Buffer.from(existing.data[k], 'base64').toString() : undefined);
  if (existing && !needsRenewal(read('tls.crt'))) return { cert: read('tls.crt')!, key: read('tls.key')!, caCert: read('ca.crt')! };
  const extra = process.env.WEBHOOK_HOST ? [process.env.WEBHOOK_HOST] : [];
  const issued = await issueServingCertificate([`${WEBHOOK_SERVICE}.${namespace}.svc`, `${WEBHOOK_SERVICE}.${namespace}.svc.cluster.local`, ...extra]);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await store.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: WEBHOOK_CERT_SECRET, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(issued.cert), 'tls.key': b64(issued.key), 'ca.crt': b64(issued.caCert) },
  });
  log('webhook certificate issued', { notAfter: issued.notAfter.toISOString() });
  return issued;
}

/** Points the registered webhooks at our CA, so the API server trusts the certificate we serve. */
async function injectCaBundle(kc: KubeConfig, caCert: string): Promise<void> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const caBundle = Buffer.from(caCert).toString('base64');
  const validating = await api.readValidatingWebhookConfiguration({ name: WEBHOOK_CONFIGS.validating }).catch(() => undefined);
  if (validating) {
    validating.webhooks = (validating.webhooks ?? []).map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } }));
    await api.replaceValidatingWebhookConfiguration({ name: WEBHOOK_CONFIGS.validating, body: validating });
  }
  const mutating = await api.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGS.mutating }).catch(() => undefined);
  if (mutating) {
    mutating.webhooks = (mutating.webhooks ?? []).map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } }));
    await api.replaceMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGS.mutating, body: mutating });
  }
}

/**
 * Children read through caches: only those labelled with their Cluster's name (a Pooler's objects
 * carry its Cluster's too). Secrets and ServiceAccounts are not authoritative: a Cluster may name
 * the user's own, which carry no label.
 */
const CHILD_KINDS = ['Pod', 'PersistentVolumeClaim', 'Secret', 'Service', 'PodDisruptionBudget', 'ServiceAccount', 'Deployment', 'Role', 'RoleBinding'] as const;
const USER_OWNED_KINDS = new Set(['Secret', 'ServiceAccount']);

interface Controllers {
  stop(): void;
  queueDepth(): number;
  managedClusters(): number;
  backups(): StoredBackup[];
}

const START_ATTEMPTS = 10;

async function startControllers(kc: KubeConfig, watchNamespace: string, instanceOptions: KubeInstancesOptions, metrics: OperatorMetrics): Promise<Controllers> {
  const namespace = watchNamespace || undefined;
  const caches = new Map<string, ObjectCache>();
  for (const kind of CONTROLLED_KINDS) caches.set(kind, new ObjectCache(kc, kind, { namespace, indexLabel: LABELS.cluster, authoritative: true }));
  for (const kind of CHILD_KINDS) {
    caches.set(kind, new ObjectCache(kc, kind, { namespace, requiredLabel: LABELS.cluster, indexLabel: LABELS.cluster, authoritative: !USER_OWNED_KINDS.has(kind) }));
  }
  // Custom-query documents are the user's: every ConfigMap is watched, so an edit reaches the
  // Clusters naming it at once; Secrets are when labelled cnpg.io/reload, as CloudNativePG's are
  // (others are read fresh at each reconcile, so a change waits for the next resync).
  caches.set('ConfigMap', new ObjectCache(kc, 'ConfigMap', { namespace, indexLabel: LABELS.cluster }));
  // The Barman Cloud plugin's ObjectStores: a change reaches the Clusters naming one at once.
  caches.set('ObjectStore', new ObjectCache(kc, 'ObjectStore', { namespace, indexLabel: LABELS.cluster }));
  const reloadSecrets = new ObjectCache(kc, 'Secret', { namespace, requiredLabel: LABELS.reload, indexLabel: LABELS.cluster });
  const all = [...caches.values(), reloadSecrets];
  // Nothing is reconciled before every cache is filled: an empty Pod cache would read as "no instances".
  try {
    await Promise.all(all.map((c) => c.start()));
  } catch (e) {
    for (const c of all) c.stop();
    throw e;
  }
  const store = new CachedStore(kc, caches);
  const instances = new KubeInstances(kc, store, instanceOptions);
  const platform: Platform = {
    store,
    instances,
    snapshots: instances.snapshots,
    endpoints: new KubeEndpoints(store),
    events: new KubeEvents(kc),
    poolers: new KubePoolers(store, { image: instanceOptions.defaultImage, operatorImage: instanceOptions.operatorImage }),
    podMonitors: new KubePodMonitors(store),
    podAddresses: new KubePodAddresses(kc),
    inheritedMetadata: new KubeInheritedMetadata(store),
    drills: new KubeDrills(kc, store, instanceOptions),
  };
  const operator = new OperatorManager(platform, {
    log,
    resyncMs: RESYNC_MS,
    queue: { maxConcurrent: MAX_CONCURRENT_RECONCILES },
    onReconciled: (kind, outcome, seconds) => metrics.reconciled(kind, outcome, seconds),
  });
  for (const cache of all) cache.on((_event, obj) => operator.objectChanged({ ...obj, kind: cache.kind }));
  await operator.enqueueAll();
  log('controllers started', { watchNamespace: watchNamespace || '(all)', maxConcurrentReconciles: MAX_CONCURRENT_RECONCILES });
  return {
    stop() {
      for (const c of all) c.stop();
      void operator.stop();
    },
    queueDepth: () => operator.depth,
    managedClusters: () => caches.get('Cluster')!.list().length,
    backups: () => caches.get('Backup')!.list() as StoredBackup[],
  };
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = env('OPERATOR_NAMESPACE', 'cnpg-system');
  const watchNamespace = env('WATCH_NAMESPACE', '');
  reuseConnections(kc);
  const store = new KubeStore(kc);
  const ownPod = await store.get('Pod', namespace, env('POD_NAME', hostname())).catch(() => undefined);
  const operatorImage = ownImage(ownPod, process.env.OPERATOR_IMAGE_NAME, DEFAULT_OPERATOR_IMAGE);
  log('instance and pooler Pods copy their manager from this image', { ...operatorImage });
  const instanceOptions: KubeInstancesOptions = {
    defaultImage: env('OPERAND_IMAGE', 'ghcr.io/cnpg-ts/postgresql:15-0.1.0'),
    operatorImage: operatorImage.image,
    defaultMajor: Number(env('DEFAULT_MAJOR', '15')),
    controlPlaneUrl: env('CONTROL_PLANE_URL', `https://${env('KUBERNETES_SERVICE_HOST', 'kubernetes.default.svc')}:${env('KUBERNETES_SERVICE_PORT', '443')}/livez`),
  };

  const tls = await webhookCertificate(store, namespace);
  await injectCaBundle(kc, tls.caCert).catch((e: unknown) => log('could not inject the webhook CA bundle', { error: (e as Error).message }));
  let controllers: Controllers | undefined;
  const leadElection = env('LEADER_ELECTION', 'true') === 'true';
  const metrics = new OperatorMetrics({
    isLeader: () => (leadElection ? elector.isLeader : true),
    queueDepth: () => controllers?.queueDepth() ?? 0,
    managedClusters: () => controllers?.managedClusters() ?? 0,
    backups: () => controllers?.backups() ?? [],
  });
  const read = (kind: string, ns: string, name: string) => store.get(kind, ns, name);
  const stored = async (kind: string, ns: string, name: string) => (await read(kind, ns, name)) !== undefined;
  const webhook = await startWebhookServer(Number(env('WEBHOOK_PORT', '9443')), tls, env('WEBHOOK_BIND', '0.0.0.0'), instanceOptions.defaultImage, stored, { read, metrics });
  // A CRD installed a moment ago answers 429 while its storage initialises, and an API server may
  // be restarting: retry for a while before leaving it to the Deployment's restarts.
  const run = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        controllers = await startControllers(kc, watchNamespace, instanceOptions, metrics);
        return;
      } catch (e) {
        if (attempt >= START_ATTEMPTS) {
          process.stderr.write(`operator failed: could not start the controllers: ${(e as Error).message}\n`);
          process.exit(1);
        }
        log('could not start the controllers; retrying', { attempt, error: (e as Error).message });
        await sleep(Math.min(500 * 2 ** attempt, 10_000));
      }
    }
  };
  const elector = new LeaderElector(kc, {
    namespace,
    name: 'cnpg-ts-leader',
    identity: env('POD_NAME', `${hostname()}-${process.pid}`),
    onStartedLeading: () => {
      log('became leader');
      void run();
    },
    // Like controller-runtime: a replica that lost the lease exits and comes back as a candidate.
    onError: (message) => log('leader election failed', { error: message }),
    onStoppedLeading: () => {
      log('lost the leader lease; exiting');
      controllers?.stop();
      process.exit(1);
    },
  });
  if (leadElection) elector.start();
  else void run();

  const health = createServer((req, res) => {
    const ok = req.url === '/healthz' || req.url === '/readyz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, leader: elector.isLeader }));
  }).listen(Number(env('HEALTH_PORT', '8081')), env('HEALTH_BIND', '0.0.0.0'));
  const metricsServer = await metrics.serve(Number(env('METRICS_PORT', '8080')), env('METRICS_BIND', '0.0.0.0'));
  // Off by default: it shows the Clusters to whoever reaches its Service, without a token.
  const dashboardAt = env('DASHBOARD_PORT', '');
  const dashboard = dashboardAt ? await serveDashboard(kc, store, instanceOptions, watchNamespace, dashboardPort(dashboardAt), env('DASHBOARD_BIND', '0.0.0.0')) : undefined;

  const shutdown = async () => {
    log('shutting down');
    controllers?.stop();
    await elector.stop();
    webhook.close();
    health.close();
    metricsServer.close();
    dashboard?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  log('operator started', { namespace, watchNamespace: watchNamespace || '(all)', dashboard: dashboard ? dashboard.port : 'off' });
}

main().catch((e: unknown) => {
  process.stderr.write(`operator failed: ${(e as Error).message}\n`);
  process.exit(1);
});
