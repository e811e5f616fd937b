// The one thing the dashboard can change, for a viewer holding the control plane's token: a
// switchover, asked for as `cnpg promote` asks (the cnpg.io/targetPrimary annotation, which the
// operator acts on and clears), refused for the same reasons.
import { ANNOTATIONS } from '../api/names.js';
import { switchoverRefusal } from '../operator/failover.js';
import type { DashboardSource } from './source.js';

export type SwitchoverOutcome = { status: 202; message: string } | { status: 404 | 409 | 422; error: string };

export type Annotate = NonNullable<DashboardSource['annotateCluster']>;

export async function askSwitchover(source: DashboardSource, annotate: Annotate, namespace: string, name: string, body: unknown): Promise<SwitchoverOutcome> {
  const instance = (body as { instance?: unknown } | null)?.instance;
  if (typeof instance !== 'string' || instance === '') return { status: 422, error: 'instance: required, the name of the instance to promote' };
  const snapshot = await source.snapshot(namespace, name);
  if (!snapshot) return { status: 404, error: `no cluster ${namespace}/${name}` };
  const refusal = switchoverRefusal(name, instance, snapshot.instances.map((o) => o.name), snapshot.cluster.status ?? {});
  if (refusal) return { status: refusal.unknown ? 422 : 409, error: `instance: ${refusal.message}` };
  await annotate(namespace, name, { [ANNOTATIONS.targetPrimary]: instance });
  return { status: 202, message: `${instance} in cluster ${name} will be promoted` };
}
