// Events on the objects the operator acts for, as `kubectl describe` shows them.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import type { EventRecorder } from '../../operator/platform.js';

export class KubeEvents implements EventRecorder {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /**
   * Not awaited by the reconcile: an Event is a record for people, and a failover's steps must not
   * wait an API round trip each for theirs.
   */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const now = new Date();
    void this.core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${obj.metadata.name}.`, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace, uid: obj.metadata.uid },
          type,
          reason,
          message,
          source: { component: 'cnpg-ts' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch(() => undefined);
  }
}
