#!/usr/bin/env node
// The operator on Kubernetes: admission webhook and health endpoints on every replica; the
// controllers (the same ones as local mode) only on the replica holding the leader Lease.
import { hostname } from 'node:os';
import { createServer } from 'node:http';
import { AdmissionregistrationV1Api, KubeConfig, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { BackupController, ScheduledBackupController } from '../../operator/backup-controller.js';
import { ClusterController } from '../../operator/controller.js';
import type { Platform } from '../../operator/platform.js';
import { WorkQueue } from '../../operator/workqueue.js';
import { KubeEndpoints } from './endpoints.js';
import { KubeEvents } from './events.js';
import { KubeInstances } from './instances.js';
import { LeaderElector } from './leader.js';
import { KubeStore } from './store.js';
import { issueServingCertificate, needsRenewal } from './webhook-cert.js';
import { startWebhookServer } from './webhook.js';

const env = (name: string, fallback: string) => process.env[name] || fallback;
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level: 'info', logger: 'operator', msg, ...fields }) + '\n');

const CONTROLLED = ['Cluster', 'Backup', 'ScheduledBackup'] as const;
type Controlled = (typeof CONTROLLED)[number];
const PLURALS: Record<Controlled, string> = { Cluster: 'clusters', Backup: 'backups', ScheduledBackup: 'scheduledbackups' };
const RESYNC_MS = 10_000;
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

function startControllers(kc: KubeConfig, platform: Platform, watchNamespace: string): () => void {
  const controllers = {
    Cluster: new ClusterController(platform),
    Backup: new BackupController(platform),
    ScheduledBackup: new ScheduledBackupController(platform),
  };
  const queue = new WorkQueue(
    async (key) => {
      const [kind, ns = 'default', name = ''] = key.split('/') as [Controlled, string, string];
      return controllers[kind].reconcile(ns, name);
    },
    (key, e) => log('reconcile failed', { key, error: (e as Error).message }),
  );
  const enqueue = (kind: Controlled, obj: KubernetesObject) => queue.add(`${kind}/${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`);
  platform.requeueCluster = (ns, name) => queue.add(`Cluster/${ns}/${name}`);
  const informers: Array<{ stop(): Promise<void> }> = [];
  const store = platform.store as KubeStore;
  const nsPath = watchNamespace ? `/namespaces/${watchNamespace}` : '';
  for (const kind of CONTROLLED) {
    const path = `/apis/postgresql.cnpg.io/v1${nsPath}/${PLURALS[kind]}`;
    const informer = makeInformer(kc, path, async () => ({ apiVersion: 'v1', kind: 'List', metadata: {}, items: await store.list(kind, watchNamespace || undefined) }) as never);
    for (const event of ['add', 'update', 'delete'] as const) informer.on(event, (obj: KubernetesObject) => enqueue(kind, obj));
    // A broken watch (API server restart, expired resourceVersion) restarts with a fresh list.
    informer.on('error', () => setTimeout(() => void informer.start(), 2000));
    void informer.start();
    informers.push(informer);
  }
  const podPath = `/api/v1${nsPath}/pods`;
  const pods = makeInformer(kc, podPath, async () => ({ apiVersion: 'v1', kind: 'List', metadata: {}, items: await store.list('Pod', watchNamespace || undefined) }) as never, 'cnpg.io/podRole=instance');
  for (const event of ['add', 'update', 'delete'] as const) {
    pods.on(event, (pod: KubernetesObject) => {
      const cluster = pod.metadata?.labels?.['cnpg.io/cluster'];
      if (cluster) queue.add(`Cluster/${pod.metadata?.namespace ?? 'default'}/${cluster}`);
    });
  }
  pods.on('error', () => setTimeout(() => void pods.start(), 2000));
  void pods.start();
  informers.push(pods);
  const resync = setInterval(() => {
    void (async () => {
      for (const kind of CONTROLLED) {
        for (const obj of await store.list(kind, watchNamespace || undefined).catch(() => [])) queue.add(`${kind}/${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`);
      }
    })();
  }, RESYNC_MS);
  log('controllers started', { watchNamespace: watchNamespace || '(all)' });
  return () => {
    clearInterval(resync);
    for (const i of informers) void i.stop();
    void queue.stop();
  };
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = env('OPERATOR_NAMESPACE', 'cnpg-system');
  const watchNamespace = env('WATCH_NAMESPACE', '');
  const store = new KubeStore(kc);
  const platform: Platform = {
    store,
    instances: new KubeInstances(kc, store, {
      defaultImage: env('OPERAND_IMAGE', 'ghcr.io/cnpg-ts/postgresql:15-0.1.0'),
      defaultMajor: Number(env('DEFAULT_MAJOR', '15')),
      controlPlaneUrl: env('CONTROL_PLANE_URL', `https://${env('KUBERNETES_SERVICE_HOST', 'kubernetes.default.svc')}:${env('KUBERNETES_SERVICE_PORT', '443')}/livez`),
    }),
    endpoints: new KubeEndpoints(store),
    events: new KubeEvents(kc),
  };

  const tls = await webhookCertificate(store, namespace);
  await injectCaBundle(kc, tls.caCert).catch((e: unknown) => log('could not inject the webhook CA bundle', { error: (e as Error).message }));
  const webhook = await startWebhookServer(Number(env('WEBHOOK_PORT', '9443')), tls, env('WEBHOOK_BIND', '0.0.0.0'));

  let stopControllers: (() => void) | undefined;
  const elector = new LeaderElector(kc, {
    namespace,
    name: 'cnpg-ts-leader',
    identity: env('POD_NAME', `${hostname()}-${process.pid}`),
    onStartedLeading: () => {
      log('became leader');
      stopControllers = startControllers(kc, platform, watchNamespace);
    },
    // Like controller-runtime: a replica that lost the lease exits and comes back as a candidate.
    onError: (message) => log('leader election failed', { error: message }),
    onStoppedLeading: () => {
      log('lost the leader lease; exiting');
      stopControllers?.();
      process.exit(1);
    },
  });
  if (env('LEADER_ELECTION', 'true') === 'true') elector.start();
  else stopControllers = startControllers(kc, platform, watchNamespace);

  const health = createServer((req, res) => {
    const ok = req.url === '/healthz' || req.url === '/readyz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, leader: elector.isLeader }));
  }).listen(Number(env('HEALTH_PORT', '8081')), env('HEALTH_BIND', '0.0.0.0'));

  const shutdown = async () => {
    log('shutting down');
    stopControllers?.();
    await elector.stop();
    webhook.close();
    health.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  log('operator started', { namespace, watchNamespace: watchNamespace || '(all)' });
}

main().catch((e: unknown) => {
  process.stderr.write(`operator failed: ${(e as Error).message}\n`);
  process.exit(1);
});
