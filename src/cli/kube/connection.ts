// The kubectl plugin's link to a Kubernetes API server: the kubeconfig and context kubectl would
// use, and the few reads and writes the plugin commands need, with kubectl-like error messages.
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { StoredCluster } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { InstanceClient, type Transport } from '../../instance/client.js';
import type { InstanceStatus } from '../../instance/status.js';
import { ANNOTATIONS, LABELS, MANAGER_PORT, METRICS_PORT } from '../../api/names.js';
import { instanceMetricsFrom, type InstanceMetrics } from '../../operator/instance-metrics.js';
import { CliError } from '../client.js';

const METRICS_TIMEOUT_MS = 5000;

const FIELD_MANAGER = 'kubectl-cnpg';
/** The API server's hop to the Pod, on top of the route's own timeout. */
const PROXY_OVERHEAD_MS = 4000;

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

const RESOURCES: Record<string, { apiVersion: string; singular: string }> = {
  Cluster: { apiVersion: 'postgresql.cnpg.io/v1', singular: 'cluster.postgresql.cnpg.io' },
  Backup: { apiVersion: 'postgresql.cnpg.io/v1', singular: 'backup.postgresql.cnpg.io' },
  Pooler: { apiVersion: 'postgresql.cnpg.io/v1', singular: 'pooler.postgresql.cnpg.io' },
};

function bodyMessage(e: ApiException<unknown>): string {
  const body = e.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? e.message;
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid' };

/** An API failure as kubectl words it, or the network failure with what to check. */
export function describeApiError(e: unknown, server: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof ApiException) return new CliError(`Error from server (${REASONS[e.code] ?? e.code}): ${bodyMessage(e)}`);
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  return new CliError(`error: cannot reach the Kubernetes API server at ${server}${code ? ` (${code})` : ''}: ${err.message}; check your kubeconfig and context`);
}

export class KubeConnection {
  readonly namespace: string;
  readonly server: string;
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;

  private constructor(
    readonly kc: KubeConfig,
    namespace: string | undefined,
  ) {
    const context = kc.getContextObject(kc.getCurrentContext());
    this.namespace = namespace ?? context?.namespace ?? 'default';
    this.server = kc.getCurrentCluster()?.server ?? '(no server)';
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The configuration kubectl would use: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
  static open(o: KubeOptions): KubeConnection {
    const kc = new KubeConfig();
    try {
      if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
      else kc.loadFromDefault();
    } catch (e) {
      throw new CliError(`error: cannot load the kubeconfig${o.kubeconfig ? ` ${o.kubeconfig}` : ''}: ${(e as Error).message}`);
    }
    if (o.context) {
      if (!kc.getContextObject(o.context)) throw new CliError(`error: context "${o.context}" does not exist (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
      kc.setCurrentContext(o.context);
    }
    if (!kc.getCurrentCluster()) throw new CliError('error: no Kubernetes cluster is configured; set KUBECONFIG or pass --kubeconfig');
    return new KubeConnection(kc, o.namespace);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw describeApiError(e, this.server);
    }
  }

  private header(kind: string, name: string): KubernetesObject & { metadata: { name: string; namespace: string } } {
    const info = RESOURCES[kind];
    if (!info) throw new Error(`kind ${kind} is not known to the plugin`);
    return { apiVersion: info.apiVersion, kind, metadata: { name, namespace: this.namespace } };
  }

  async get(kind: 'Cluster' | 'Backup' | 'Pooler', name: string): Promise<KubeObject> {
    return this.call(async () => (await this.objects.read(this.header(kind, name))) as KubeObject);
  }

  getCluster(name: string): Promise<StoredCluster> {
    return this.get('Cluster', name) as Promise<KubeObject> as Promise<StoredCluster>;
  }

  async create(obj: KubeObject): Promise<string> {
    const created = await this.call(() => this.objects.create({ ...obj, metadata: { ...obj.metadata, namespace: this.namespace } } as KubernetesObject, undefined, undefined, FIELD_MANAGER));
    return `${RESOURCES[obj.kind]?.singular ?? obj.kind.toLowerCase()}/${created.metadata?.name ?? obj.metadata.name} created\n`;
  }

  /** What `report cluster` collects: the objects labelled with the Cluster's name, the namespace's events and Secrets. */
  async clusterObjects(cluster: string): Promise<{ pods: V1Pod[]; jobs: KubeObject[]; pvcs: V1PersistentVolumeClaim[]; secrets: KubeObject[]; events: KubeObject[] }> {
    // Every Secret of the namespace: the report cuts all their values out, and shows the Cluster's.
    const labelSelector = `${LABELS.cluster}=${cluster}`;
    const namespace = this.namespace;
    const batch = this.kc.makeApiClient(BatchV1Api);
    const [pods, jobs, pvcs, secrets, events] = await Promise.all([
      this.call(() => this.core.listNamespacedPod({ namespace, labelSelector })),
      this.call(() => batch.listNamespacedJob({ namespace, labelSelector })),
      this.call(() => this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })),
      this.call(() => this.core.listNamespacedSecret({ namespace })),
      this.call(() => this.core.listNamespacedEvent({ namespace })),
    ]);
    const asObjects = (items: unknown[]) => items as KubeObject[];
    return { pods: pods.items, jobs: asObjects(jobs.items), pvcs: pvcs.items, secrets: asObjects(secrets.items), events: asObjects(events.items) };
  }

  /** A container's log; what went wrong instead of it, so that a report still gets written. */
  async containerLog(namespace: string, pod: string, container: string, timestamps = false): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name: pod, namespace, container, timestamps });
    } catch (e) {
      return `(no log: ${describeApiError(e, this.server).message})\n`;
    }
  }

  /** The operator's Pods, wherever it runs; none when this user may not list Pods across namespaces. */
  async operatorPods(): Promise<V1Pod[]> {
    try {
      return (await this.core.listPodForAllNamespaces({ labelSelector: `${LABELS.appName}=cnpg-ts` })).items;
    } catch {
      return [];
    }
  }

  async readSecret(name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.core.readNamespacedSecret({ name, namespace: this.namespace })) as unknown as KubeObject;
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw describeApiError(e, this.server);
    }
  }

  /** A JSON merge patch of annotations (null removes one). */
  async annotate(kind: 'Cluster' | 'Backup', name: string, annotations: Record<string, string | null>): Promise<void> {
    const header = this.header(kind, name);
    await this.call(() => this.objects.patch({ ...header, metadata: { ...header.metadata, annotations } } as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch));
  }

  annotateCluster(name: string, annotations: Record<string, string | null>): Promise<void> {
    return this.annotate('Cluster', name, annotations);
  }

  /** The Backups of the current namespace. */
  async listBackups(): Promise<KubeObject[]> {
    const list = await this.call(() => this.objects.list(RESOURCES.Backup!.apiVersion, 'Backup', this.namespace));
    return list.items as unknown as KubeObject[];
  }

  /** The Clusters of the current namespace, or of every namespace. */
  async listClusters(allNamespaces: boolean): Promise<StoredCluster[]> {
    const info = RESOURCES.Cluster!;
    const list = await this.call(() => this.objects.list(info.apiVersion, 'Cluster', allNamespaces ? undefined : this.namespace));
    return list.items as unknown as StoredCluster[];
  }

  /** A JSON merge patch of a Cluster's spec (in `namespace`, the current one when undefined). */
  async patchClusterSpec(namespace: string | undefined, name: string, spec: Record<string, unknown>): Promise<void> {
    const header = this.header('Cluster', name);
    await this.call(() => this.objects.patch({ ...header, metadata: { ...header.metadata, namespace: namespace ?? this.namespace }, spec } as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch));
  }

  getPooler(name: string): Promise<KubeObject> {
    return this.get('Pooler', name);
  }

  /** A JSON merge patch of the Pooler's spec. */
  async patchPoolerSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    const header = this.header('Pooler', name);
    await this.call(() => this.objects.patch({ ...header, spec } as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch));
  }

  /** The Poolers of the namespace that name this Cluster. */
  async poolers(cluster: string): Promise<KubeObject[]> {
    const list = await this.call(() => this.objects.list(RESOURCES.Pooler!.apiVersion, 'Pooler', this.namespace));
    return (list.items as unknown as KubeObject[]).filter((p) => (p.spec as { cluster?: { name?: string } } | undefined)?.cluster?.name === cluster);
  }

  async poolerPods(pooler: string): Promise<V1Pod[]> {
    const list = await this.call(() => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${LABELS.poolerName}=${pooler}` }));
    return list.items;
  }

  async instancePods(cluster: string): Promise<V1Pod[]> {
    const list = await this.call(() => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${LABELS.cluster}=${cluster},${LABELS.podRole}=instance` }));
    return list.items;
  }

  /** An instance is its data PVC, as the operator counts them: a deleted Pod is still an instance. */
  async instanceVolumes(cluster: string): Promise<V1PersistentVolumeClaim[]> {
    const list = await this.call(() => this.core.listNamespacedPersistentVolumeClaim({ namespace: this.namespace, labelSelector: `${LABELS.cluster}=${cluster},${LABELS.pvcRole}=PG_DATA` }));
    return list.items;
  }

  async instanceNames(cluster: string): Promise<string[]> {
    // A claim kept by destroy --keep-pvc (cnpg.io/pvcStatus: detached) is no instance any more.
    return (await this.instanceVolumes(cluster)).filter((v) => v.metadata?.annotations?.[ANNOTATIONS.pvcStatus] !== 'detached').map((v) => v.metadata?.name ?? '');
  }

  async services(cluster: string): Promise<V1Service[]> {
    const list = await this.call(() => this.core.listNamespacedService({ namespace: this.namespace, labelSelector: `${LABELS.cluster}=${cluster}` }));
    return list.items;
  }

  /** The instance manager's own report, through the API server's Pod proxy (no route to Pod IPs needed). */
  instanceStatus(pod: string): Promise<InstanceStatus> {
    return new InstanceClient(this.podProxy(pod), { instance: pod }).call('status');
  }

  /** The instance's exporter page (database sizes, archiver), through the API server's Pod proxy. */
  async instanceMetrics(pod: string): Promise<InstanceMetrics> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(`no metrics from ${pod} within ${METRICS_TIMEOUT_MS / 1000}s`)), METRICS_TIMEOUT_MS);
    });
    try {
      const request = this.call(() => this.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${METRICS_PORT}`, namespace: this.namespace, path: 'metrics' }));
      const text: unknown = await Promise.race([request, timeout]);
      return instanceMetricsFrom(typeof text === 'string' ? text : String(text));
    } finally {
      clearTimeout(timer);
    }
  }

  /** GETs to a Pod's manager, relayed by the API server; the plugin sends nothing else. */
  private podProxy(pod: string): Transport {
    return {
      target: `${this.server} (proxy to ${pod})`,
      overheadMs: PROXY_OVERHEAD_MS,
      send: async (e) => {
        if (e.method !== 'GET') throw new Error(`the Pod proxy transport only relays GET requests, not ${e.method} ${e.path}`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CliError(`no answer from ${pod} within ${e.timeoutMs / 1000}s`)), e.timeoutMs);
        });
        try {
          const request = this.call(() => this.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${MANAGER_PORT}`, namespace: this.namespace, path: e.path.slice(1) }));
          const text: unknown = await Promise.race([request, timeout]);
          return { status: 200, text: typeof text === 'string' ? text : JSON.stringify(text) };
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }
}
