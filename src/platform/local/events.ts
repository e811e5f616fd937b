// Events kept as core/v1 Event objects in the store, folded by reason and message like kubelet's.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../api/meta.js';
import type { EventRecorder } from '../../operator/platform.js';
import type { FileStore } from './store.js';

const KEEP_PER_OBJECT = 100;

export interface EventObject extends KubeObject {
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
}

export class StoreEvents implements EventRecorder {
  constructor(private readonly store: FileStore) {}

  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const digest = createHash('sha256').update(`${obj.kind}/${obj.metadata.name}/${obj.metadata.uid}/${reason}/${message}`).digest('hex').slice(0, 16);
    const name = `${obj.metadata.name}.${digest}`;
    const now = new Date().toISOString();
    const existing = this.store.getSync('Event', ns, name) as EventObject | undefined;
    const event: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { kind: obj.kind, name: obj.metadata.name, namespace: ns, uid: obj.metadata.uid },
      reason,
      message,
      type,
      count: (existing?.count ?? 0) + 1,
      firstTimestamp: existing?.firstTimestamp ?? now,
      lastTimestamp: now,
      source: { component: 'cnpg-ts-operator' },
    };
    await this.store.put(event);
    const mine = this.eventsFor(ns, obj.kind, obj.metadata.name);
    for (const old of mine.slice(0, Math.max(0, mine.length - KEEP_PER_OBJECT))) await this.store.delete('Event', ns, old.metadata.name);
  }

  /** Oldest first. */
  eventsFor(namespace: string, kind: string, name: string): EventObject[] {
    const about = (e: KubeObject) => (e as EventObject).involvedObject.kind === kind && (e as EventObject).involvedObject.name === name;
    return (this.store.listSync('Event', namespace, about) as EventObject[]).sort((a, b) => a.lastTimestamp.localeCompare(b.lastTimestamp));
  }
}
