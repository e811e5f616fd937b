// A Pooler on Kubernetes: the objects of pooler-specs.ts written when they differ from what is
// stored, and the running PgBouncers observed from the pooler's Pods and their managers' /status.
import { isDeepStrictEqual } from 'node:util';
import type { Pooler } from '../../api/index.js';
import type { LocalEndpoint } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { ANNOTATIONS, LABELS, PGBOUNCER_PORT, POOLER_METRICS_PORT } from '../../api/names.js';
import type { PoolerHandout } from '../../pgbouncer/handout.js';
import type { ObservedPoolerInstance, PoolerRuntime } from '../../operator/platform.js';
import { PoolerManagerClient, type PoolerManagerAddress } from '../../pooler/client.js';
import { poolerConfigSecretName, poolerObjects, poolerPodMonitor, poolerServiceAccount, poolerSpecHash, type PoolerImages } from './pooler-specs.js';
import type { KubeStore } from './store.js';

interface PodView extends KubeObject {
  status?: { phase?: string; podIP?: string };
}

export interface KubePoolersOptions {
  /** The image pooler Pods run PgBouncer from (the operand image). */
  image: string;
  /** The operator's own image, which the Pods' init container copies the pooler manager from. */
  operatorImage: string;
  /** Where a running pooler Pod's manager answers; by default its Pod IP on 9127, as the instance managers are reached. */
  managerAddress?: (pod: PodView) => PoolerManagerAddress;
}

const PODMONITOR_CRD = 'podmonitors.monitoring.coreos.com';

const podAddress = (pod: PodView): PoolerManagerAddress => ({ host: pod.status?.podIP ?? '', port: POOLER_METRICS_PORT });

/**
 * Whether `stored` already is what `wanted` asks for. The Deployment, Service and PodMonitor carry
 * the spec's hash (the API server fills defaults into them, so comparing their specs would always differ);
 * other kinds are compared on the fields the operator writes.
 */
function upToDate(wanted: KubeObject, stored: KubeObject | undefined): boolean {
  if (!stored) return false;
  const labelsKept = Object.entries(wanted.metadata.labels ?? {}).every(([k, v]) => stored.metadata.labels?.[k] === v);
  if (!labelsKept) return false;
  const fields = wanted as unknown as Record<string, unknown>;
  const have = stored as unknown as Record<string, unknown>;
  switch (wanted.kind) {
    case 'Deployment':
    case 'Service':
    case 'PodMonitor':
      return stored.metadata.annotations?.[ANNOTATIONS.poolerSpecHash] === wanted.metadata.annotations?.[ANNOTATIONS.poolerSpecHash];
    case 'Secret':
      return isDeepStrictEqual(stored.data, wanted.data);
    case 'Role':
      return isDeepStrictEqual(have.rules, fields.rules);
    case 'RoleBinding':
      return isDeepStrictEqual(have.roleRef, fields.roleRef) && isDeepStrictEqual(have.subjects, fields.subjects);
    default:
      return true;
  }
}

export class KubePoolers implements PoolerRuntime {
  private readonly managerAddress: (pod: PodView) => PoolerManagerAddress;
  private readonly images: PoolerImages;

  constructor(
    private readonly store: KubeStore,
    private readonly o: KubePoolersOptions,
  ) {
    this.managerAddress = o.managerAddress ?? podAddress;
    this.images = { operand: o.image, operator: o.operatorImage };
  }

  /** The pooler's Service, by its cluster DNS name. */
  async address(pooler: Pooler): Promise<LocalEndpoint> {
    return { host: `${pooler.metadata.name}.${pooler.metadata.namespace ?? 'default'}.svc`, port: PGBOUNCER_PORT };
  }

  /**
   * Writes the objects that differ from the stored ones; nothing when all match. An object of the
   * same name that is not this pooler's (a Cluster's `X-rw` Service for a Pooler named `X-rw`, a
   * user's Secret) is never replaced: apply fails, naming it.
   */
  async apply(pooler: Pooler, handout: PoolerHandout): Promise<void> {
    const objects = poolerObjects(pooler, handout, this.images);
    const stored = await Promise.all(objects.map((o) => this.store.get(o.kind, o.metadata.namespace, o.metadata.name)));
    const foreign = stored.find((o) => o !== undefined && o.metadata.labels?.[LABELS.poolerName] !== pooler.metadata.name);
    if (foreign) {
      throw new Error(`${foreign.kind} ${foreign.metadata.name} already exists in namespace ${foreign.metadata.namespace ?? 'default'} and is not Pooler ${pooler.metadata.name}'s; rename the Pooler or remove that ${foreign.kind}`);
    }
    for (const [i, wanted] of objects.entries()) {
      if (upToDate(wanted, stored[i])) continue;
      // The Service keeps the address the API server gave it unless the template asks for one.
      const previous = stored[i];
      if (wanted.kind === 'Service' && previous) wanted.spec = { ...keptAddresses(previous), ...(wanted.spec as object) };
      await this.store.put(wanted);
    }
    await this.applyPodMonitor(pooler);
  }

  /**
   * As CloudNativePG: the PodMonitor exists while spec.monitoring.enablePodMonitor is true and the
   * Prometheus operator's CRD is installed; without that CRD there is nothing to make.
   */
  private async applyPodMonitor(pooler: Pooler): Promise<void> {
    if (!(await this.store.get('CustomResourceDefinition', undefined, PODMONITOR_CRD))) return;
    const wanted = poolerPodMonitor(pooler, this.images);
    if (!wanted) return this.removePodMonitor(pooler);
    if (!upToDate(wanted, await this.store.get('PodMonitor', wanted.metadata.namespace, wanted.metadata.name))) await this.store.put(wanted);
  }

  /** Only the pooler's own: a PodMonitor of that name the user made stays. */
  private async removePodMonitor(pooler: Pooler): Promise<void> {
    const namespace = pooler.metadata.namespace ?? 'default';
    const stored = await this.store.get('PodMonitor', namespace, pooler.metadata.name);
    if (stored?.metadata.labels?.[LABELS.poolerName] === pooler.metadata.name) await this.store.delete('PodMonitor', namespace, pooler.metadata.name);
  }

  /**
   * One entry per Pod of the pooler that is not being deleted. While the Deployment or the Service
   * is not made from the current spec yet, no instance counts as running the current handout, so
   * the controller applies again (a template change, a Service deleted by hand) even when every
   * manager reports the handout's hash.
   */
  async observe(pooler: Pooler): Promise<ObservedPoolerInstance[]> {
    const namespace = pooler.metadata.namespace ?? 'default';
    // The cluster label first: the operator's Pod cache is indexed by it.
    const pods = (await this.store.list('Pod', namespace, { [LABELS.cluster]: pooler.spec.cluster.name, [LABELS.poolerName]: pooler.metadata.name })) as PodView[];
    const current = await this.madeFromCurrentSpec(pooler);
    const alive = pods.filter((p) => !p.metadata.deletionTimestamp);
    return Promise.all(
      alive.map(async (pod): Promise<ObservedPoolerInstance> => {
        const name = pod.metadata.name;
        if (pod.status?.phase !== 'Running' || !pod.status.podIP) return { name, ready: false, paused: false };
        try {
          const status = await new PoolerManagerClient(this.managerAddress(pod)).status();
          return { name, ready: status.ready, paused: status.paused, ...(current && status.appliedHash ? { appliedHash: status.appliedHash } : {}) };
        } catch {
          return { name, ready: false, paused: false };
        }
      }),
    );
  }

  /** The Deployment and Service carry the current spec's hash, and the Secret and RBAC objects exist (none deleted by hand). */
  private async madeFromCurrentSpec(pooler: Pooler): Promise<boolean> {
    const namespace = pooler.metadata.namespace ?? 'default';
    const name = pooler.metadata.name;
    const hash = poolerSpecHash(pooler, this.images);
    const hashed = await Promise.all(['Deployment', 'Service'].map((kind) => this.store.get(kind, namespace, name)));
    if (!hashed.every((o) => o?.metadata.annotations?.[ANNOTATIONS.poolerSpecHash] === hash)) return false;
    const others: [string, string][] = [
      ['Secret', poolerConfigSecretName(name)],
      ['Role', name],
      ['RoleBinding', name],
      ...(poolerServiceAccount(pooler) ? [['ServiceAccount', name] as [string, string]] : []),
    ];
    return (await Promise.all(others.map(([kind, n]) => this.store.get(kind, namespace, n)))).every((o) => o !== undefined);
  }

  /** Deletes what apply made. The API server's garbage collector would too (owner references), but a test control plane has none. */
  async remove(pooler: Pooler): Promise<void> {
    const namespace = pooler.metadata.namespace ?? 'default';
    const name = pooler.metadata.name;
    await this.store.delete('Deployment', namespace, name);
    await this.store.delete('Service', namespace, name);
    await this.store.delete('RoleBinding', namespace, name);
    await this.store.delete('Role', namespace, name);
    if (poolerServiceAccount(pooler)) await this.store.delete('ServiceAccount', namespace, name);
    await this.store.delete('Secret', namespace, poolerConfigSecretName(name));
    if (await this.store.get('CustomResourceDefinition', undefined, PODMONITOR_CRD)) await this.removePodMonitor(pooler);
  }
}

function keptAddresses(stored: KubeObject): Record<string, unknown> {
  const spec = (stored.spec ?? {}) as Record<string, unknown>;
  return Object.fromEntries(['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'].filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]]));
}
