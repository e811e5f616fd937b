// Which Services a Cluster has, decided once for both platforms: -rw always, -ro and -r unless
// spec.managed.services.disabledDefaultServices names them, and every additional one, each routed
// like the default of its selectorType. Kubernetes makes them Services, the local platform TCP endpoints.
import type { Cluster } from '../api/index.js';
import { serviceNames } from '../api/names.js';
import type { EndpointRole } from './platform.js';

export interface ServiceTemplate {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface WantedService {
  name: string;
  /** Which instances it reaches: the primary (rw), the ready standbys (ro), or any ready instance (r). */
  selectorType: EndpointRole;
  /** An additional service: the user's template, and whether a change patches it or replaces it. */
  additional?: { template: ServiceTemplate; updateStrategy: 'patch' | 'replace' };
}

export function wantedServices(cluster: Cluster): WantedService[] {
  const names = serviceNames(cluster.metadata.name);
  const services = cluster.spec.managed?.services;
  const disabled = new Set<string>(services?.disabledDefaultServices ?? []);
  const defaults = (['rw', 'ro', 'r'] as const).filter((role) => !disabled.has(role)).map((role): WantedService => ({ name: names[role], selectorType: role }));
  const additional = (services?.additional ?? []).map((s): WantedService => ({
    name: s.serviceTemplate.metadata.name,
    selectorType: s.selectorType,
    additional: { template: s.serviceTemplate as ServiceTemplate, updateStrategy: s.updateStrategy ?? 'patch' },
  }));
  return [...defaults, ...additional];
}
