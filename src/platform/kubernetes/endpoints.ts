// Endpoints as Services: X-rw, X-ro and X-r select on labels of the Pods, and routing a cluster is
// setting those labels as the plan says. The role label says what an instance is (primary or
// replica, as CloudNativePG sets it); the serving label says whether the plan routes to it at all,
// so that an instance the plan leaves out (the old primary during a failover, while it may still
// pass its readiness probe) is in no Service.
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { EndpointAddresses, EndpointRole, EndpointRuntime } from '../../operator/platform.js';
import { ANNOTATIONS, LABELS, POSTGRES_PORT, serviceNames } from '../../api/names.js';
import { clusterServices, podDisruptionBudgetNames, podDisruptionBudgets } from './specs.js';
import type { KubeStore } from './store.js';
import { ownedBy } from './owned.js';

/**
 * The routing labels an instance Pod should carry, given the plan's backends (-r is -rw plus -ro).
 * With nobody taking writes (a failover under way) the role label stays as it is: who is primary
 * is not known yet, and the serving label alone keeps the instance out.
 */
export function routingLabels(pod: string, current: Record<string, string> | undefined, backends: Record<EndpointRole, string[]>): Record<string, string> {
  const role = backends.rw.includes(pod) ? 'primary' : backends.ro.includes(pod) || backends.rw.length > 0 ? 'replica' : current?.[LABELS.instanceRole];
  const serving = backends.rw.includes(pod) || backends.ro.includes(pod) || backends.r.includes(pod);
  return { ...(role ? { [LABELS.instanceRole]: role, [LABELS.legacyRole]: role } : {}), [LABELS.serving]: String(serving) };
}

export interface RoutingPatch {
  pod: string;
  labels: Record<string, string>;
}

/**
 * The label changes that route the plan's backends, in two waves: first every Pod leaving -rw or
 * all Services, then the rest, so that -rw never selects two writers at once. Within a wave the
 * patches are independent.
 */
export function routingWaves(pods: readonly KubeObject[], backends: Record<EndpointRole, string[]>): [leaving: RoutingPatch[], joining: RoutingPatch[]] {
  const leaving: RoutingPatch[] = [];
  const joining: RoutingPatch[] = [];
  for (const pod of pods) {
    const now = pod.metadata.labels ?? {};
    const labels = routingLabels(pod.metadata.name, now, backends);
    if (Object.entries(labels).every(([k, v]) => now[k] === v)) continue;
    const leaves = (now[LABELS.instanceRole] === 'primary' && labels[LABELS.instanceRole] !== 'primary') || (now[LABELS.serving] !== 'false' && labels[LABELS.serving] === 'false');
    (leaves ? leaving : joining).push({ pod: pod.metadata.name, labels });
  }
  return [leaving, joining];
}

export class KubeEndpoints implements EndpointRuntime {
  constructor(private readonly store: KubeStore) {}

  async addresses(cluster: Cluster): Promise<EndpointAddresses> {
    const names = serviceNames(cluster.metadata.name);
    const ns = cluster.metadata.namespace ?? 'default';
    const at = (svc: string) => ({ host: `${svc}.${ns}.svc`, port: POSTGRES_PORT });
    return { rw: at(names.rw), ro: at(names.ro), r: at(names.r) };
  }

  async route(cluster: Cluster, backends: Record<EndpointRole, string[]>): Promise<void> {
    const ns = cluster.metadata.namespace;
    // Traffic moves first: in a failover every step here is time without writes.
    const pods = await this.store.list('Pod', ns, { [LABELS.cluster]: cluster.metadata.name, [LABELS.podRole]: 'instance' });
    for (const wave of routingWaves(pods, backends)) {
      await Promise.all(wave.map((p) => this.store.patchMetadata('Pod', ns, p.pod, { labels: p.labels })));
    }
    const budgets = podDisruptionBudgets(cluster);
    for (const obj of budgets) {
      const existing = await this.store.get(obj.kind, ns, obj.metadata.name);
      const minAvailable = (o: KubeObject | undefined) => (o?.spec as { minAvailable?: unknown } | undefined)?.minAvailable;
      if (!existing || minAvailable(existing) !== minAvailable(obj)) await this.store.put(obj);
    }
    // A maintenance window, enablePDB false or fewer instances take budgets away.
    for (const name of podDisruptionBudgetNames(cluster).filter((n) => !budgets.some((b) => b.metadata.name === n))) {
      if (await this.store.get('PodDisruptionBudget', ns, name)) await this.store.delete('PodDisruptionBudget', ns, name);
    }
    const services = clusterServices(cluster);
    for (const svc of services) await this.reconcileService(cluster, svc);
    // A default service disabled, an additional one the spec no longer names: gone, if they are ours.
    const wanted = new Set(services.map((s) => s.metadata.name));
    const defaults: string[] = Object.values(serviceNames(cluster.metadata.name));
    for (const existing of await this.store.list('Service', ns, { [LABELS.cluster]: cluster.metadata.name })) {
      const ours = existing.metadata.labels?.[LABELS.isManaged] === 'true' || defaults.includes(existing.metadata.name);
      if (!wanted.has(existing.metadata.name) && ours && ownedBy(existing, cluster)) await this.store.delete('Service', ns, existing.metadata.name);
    }
  }

  /**
   * Creates a missing Service; gives a default one the selector of now (those made before the
   * serving label select without it); brings an additional one back to its template when it drifted,
   * by updating it (keeping what others added) or, with updateStrategy replace, recreating it. A
   * Service of that name the Cluster does not own is the user's, and stays as it is.
   */
  private async reconcileService(cluster: Cluster, svc: KubeObject): Promise<void> {
    const ns = cluster.metadata.namespace;
    const existing = await this.store.get('Service', ns, svc.metadata.name);
    if (!existing) {
      await this.store.put(svc);
      return;
    }
    if (!ownedBy(existing, cluster)) return;
    const spec = svc.spec as Record<string, unknown>;
    const existingSpec = (existing.spec ?? {}) as Record<string, unknown>;
    if (svc.metadata.labels?.[LABELS.isManaged] !== 'true') {
      if (!isDeepStrictEqual(existingSpec.selector, spec.selector)) await this.store.put({ ...svc, spec: { ...existingSpec, selector: spec.selector } });
      return;
    }
    const drifted = !isSubset(svc.metadata.labels, existing.metadata.labels) || !isSubset(svc.metadata.annotations, existing.metadata.annotations) || !isSubset(spec, existingSpec);
    if (!drifted) return;
    if (svc.metadata.annotations?.[ANNOTATIONS.updateStrategy] === 'replace') {
      await this.store.delete('Service', ns, svc.metadata.name);
      await this.store.put(svc, null);
      return;
    }
    await this.store.put({
      ...svc,
      metadata: { ...svc.metadata, labels: { ...existing.metadata.labels, ...svc.metadata.labels }, annotations: { ...existing.metadata.annotations, ...svc.metadata.annotations } },
      spec: { ...existingSpec, ...spec },
    });
  }

  async remove(cluster: Cluster): Promise<void> {
    const ns = cluster.metadata.namespace;
    for (const obj of clusterServices(cluster)) await this.store.delete(obj.kind, ns, obj.metadata.name);
    for (const name of podDisruptionBudgetNames(cluster)) await this.store.delete('PodDisruptionBudget', ns, name);
  }
}

/** Whether everything `wanted` says is so in `actual`: what the API server defaults (a port's protocol, a clusterIP) is no drift. */
export function isSubset(wanted: unknown, actual: unknown): boolean {
  if (wanted === undefined) return true;
  if (Array.isArray(wanted)) return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => isSubset(w, actual[i]));
  if (typeof wanted === 'object' && wanted !== null) {
    if (typeof actual !== 'object' || actual === null) return false;
    return Object.entries(wanted).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  return wanted === actual;
}
