// Typed access to the JSON fixtures of the format tests.

import type { KubeList, KubeObject } from '../../../api/meta.js';
import clusterJson from './cluster.json' with { type: 'json' };
import docJson from './jsonpath-doc.json' with { type: 'json' };
import miscJson from './misc.json' with { type: 'json' };
import podsJson from './pods.json' with { type: 'json' };
import secretJson from './secret-app.json' with { type: 'json' };
import servicesJson from './services.json' with { type: 'json' };
import healthyJson from './status-healthy.json' with { type: 'json' };
import unreachableJson from './status-unreachable.json' with { type: 'json' };
import type { ClusterStatusReport } from '../status.js';

const clone = <T>(value: unknown): T => structuredClone(value) as T;

export const cluster = (): KubeObject => clone(clusterJson);
export const pods = (): KubeObject[] => clone(podsJson);
export const services = (): KubeObject[] => clone(servicesJson);
export const secret = (): KubeObject => clone(secretJson);
export const misc = (): KubeObject[] => clone(miscJson);
export const jsonPathDoc = (): unknown => clone(docJson);
export const healthyStatus = (): ClusterStatusReport => clone(healthyJson);
export const unreachableStatus = (): ClusterStatusReport => clone(unreachableJson);

export function list(items: KubeObject[]): KubeList {
  return { apiVersion: 'v1', kind: 'List', items };
}

/** The objects of misc.json with this kind. */
export function miscOf(kind: string): KubeObject[] {
  return misc().filter((o) => o.kind === kind);
}
