// spec.podSelectorRefs on Kubernetes: the Pods of the Cluster's namespace a selector matches, read
// from the API server (they are not the operator's, so no cache of its own holds them), each with
// every address it has (dual-stack Pods have two); Pods being deleted are left out, as CloudNativePG does.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { LabelSelector } from '../../api/pod-selectors.js';
import type { PodAddressRuntime } from '../../operator/platform.js';

/** The selector as the API's labelSelector parameter spells it. */
export function labelSelectorQuery(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.join(',');
}

export class KubePodAddresses implements PodAddressRuntime {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async list(namespace: string, selector: LabelSelector): Promise<string[]> {
    const pods = await this.core.listNamespacedPod({ namespace, labelSelector: labelSelectorQuery(selector) });
    return pods.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .flatMap((pod) => (pod.status?.podIPs ?? []).map((a) => a.ip).filter((ip): ip is string => Boolean(ip)));
  }
}
