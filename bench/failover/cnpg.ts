// cnpg-ts under test: a 3-instance Cluster in a private CNPG_HOME, driven only through the CLI as
// a user would drive it (as bench/bootstrap does), the writer on the X-rw endpoint.
import { LABELS } from '../../src/api/names.js';
import { onCleanup, signal } from './procs.js';
import type { Health, SetupFigure, System, Victim } from './trial.js';
import { BenchHome } from '../local-home.js';

export const NAME = 'failover';
const HEALTHY = 'Cluster in healthy state';

export const CNPG_KINDS = ['kill-postmaster', 'kill-instance', 'delete-pod', 'switchover'] as const;

interface Pod {
  metadata: { name: string; labels: Record<string, string> };
  status: { local: { pid?: number; managerPid?: number; port: number } };
}

interface StatusReport {
  phase?: string;
  instances: number;
  readyInstances: number;
  currentPrimary?: string;
  instancesStatus: Array<{ name: string; isPrimary: boolean; ready: boolean; replication?: Array<{ applicationName: string; state: string; syncState: string }> }>;
}

interface CnpgVictim extends Victim {
  pid?: number;
  managerPid?: number;
}

export function clusterManifest(synchronous: boolean): string {
  const sync = synchronous ? '\n  postgresql:\n    synchronous:\n      method: any\n      number: 1' : '';
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${NAME}
spec:
  instances: 3
  storage:
    size: 1Gi${sync}
  bootstrap:
    initdb:
      database: app
      owner: app
`;
}

/** What keeps the cluster from counting as whole, or undefined when nothing does. */
export function missing(r: StatusReport, synchronous: boolean, victim?: string): string | undefined {
  if (r.phase !== HEALTHY) return `phase "${r.phase ?? 'none'}"`;
  if (r.readyInstances !== r.instances) return `${r.readyInstances}/${r.instances} ready`;
  const primaries = r.instancesStatus.filter((i) => i.isPrimary);
  const primary = primaries[0];
  if (primaries.length !== 1 || !primary) return `${primaries.length} primaries`;
  if (primary.name !== r.currentPrimary) return `status says ${r.currentPrimary ?? 'none'} is primary, ${primary.name} says it is`;
  if (victim !== undefined && primary.name === victim) return `${victim} still primary`;
  for (const i of r.instancesStatus.filter((x) => !x.isPrimary)) {
    if (!primary.replication?.some((s) => s.applicationName === i.name && s.state === 'streaming')) return `${i.name} not streaming from ${primary.name}`;
  }
  if (synchronous && !primary.replication?.some((s) => s.state === 'streaming' && ['sync', 'quorum'].includes(s.syncState))) return `no synchronous standby on ${primary.name}`;
  return undefined;
}

export class CnpgSystem implements System<CnpgVictim> {
  readonly name = 'cnpg';
  readonly kinds = CNPG_KINDS;
  private readonly bench = new BenchHome('cnpg-failover-');
  readonly home = this.bench.dir;
  readonly setup: SetupFigure[] = [];
  private uri = '';
  readonly stop: () => Promise<void>;

  constructor(private readonly synchronous: boolean) {
    this.stop = onCleanup(() => this.teardown());
  }

  private cnpg(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
    return this.bench.cnpg(args, input, timeoutMs);
  }

  async start(): Promise<void> {
    const applied = performance.now();
    await this.cnpg(['apply', '-f', '-'], clusterManifest(this.synchronous));
    await this.cnpg(['wait', '--for=condition=Ready', `cluster/${NAME}`, '--timeout=300s'], undefined, 320_000);
    this.setup.push({ what: 'Cluster apply → Ready (3 instances)', ms: performance.now() - applied });
    const b64 = await this.cnpg(['get', 'secret', `${NAME}-app`, '-o', 'jsonpath={.data.uri}']);
    this.uri = Buffer.from(b64.trim(), 'base64').toString();
  }

  conninfo(): string {
    return this.uri;
  }

  async recreate(): Promise<void> {
    await this.cnpg(['delete', 'cluster', NAME], undefined, 120_000).catch(() => undefined);
    await this.cnpg(['wait', '--for=delete', `cluster/${NAME}`, '--timeout=120s'], undefined, 130_000).catch(() => undefined);
    await this.start();
  }

  private async pods(): Promise<Pod[]> {
    return (JSON.parse(await this.cnpg(['get', 'pods', '-l', `${LABELS.cluster}=${NAME}`, '-o', 'json'])) as { items: Pod[] }).items;
  }

  /** Each instance's own PostgreSQL port, for asking every one of them directly. */
  async instancePorts(): Promise<number[]> {
    return (await this.pods()).map((p) => p.status.local.port);
  }

  /** The Cluster's status as the operator wrote it. */
  async clusterStatus(): Promise<{ currentPrimary?: string; timelineID?: number; phase?: string }> {
    return (JSON.parse(await this.cnpg(['get', 'cluster', NAME, '-o', 'json'])) as { status?: { currentPrimary?: string; timelineID?: number; phase?: string } }).status ?? {};
  }

  async primary(): Promise<CnpgVictim> {
    const p = (await this.pods()).find((x) => x.metadata.labels[LABELS.instanceRole] === 'primary');
    if (!p) throw new Error('no pod labelled cnpg.io/instanceRole=primary');
    return { name: p.metadata.name, pid: p.status.local.pid, managerPid: p.status.local.managerPid };
  }

  async inject(kind: string, v: CnpgVictim): Promise<void> {
    switch (kind) {
      case 'kill-postmaster':
        if (!v.pid || !signal(v.pid, 'SIGKILL')) throw new Error(`no postmaster pid to kill for ${v.name}`);
        return;
      case 'kill-instance':
        // The manager leads its own process group: manager, postmaster and backends go at once.
        if (!v.managerPid || !signal(-v.managerPid, 'SIGKILL')) throw new Error(`no instance manager to kill for ${v.name}`);
        return;
      case 'delete-pod':
        await this.cnpg(['delete', 'pod', v.name]);
        return;
      case 'switchover': {
        const target = (await this.pods()).find((p) => p.metadata.name !== v.name)?.metadata.name;
        if (!target) throw new Error('no replica to promote');
        await this.cnpg(['promote', NAME, target]);
        return;
      }
      default:
        throw new Error(`cnpg: unknown failure kind ${kind}`);
    }
  }

  async health(after?: { kind: string; victim: CnpgVictim }): Promise<Health> {
    const r = JSON.parse(await this.cnpg(['status', NAME, '-o', 'json'])) as StatusReport;
    const why = missing(r, this.synchronous, after?.victim.name);
    return why === undefined ? { healthy: true, detail: 'healthy', primary: r.currentPrimary } : { healthy: false, detail: why };
  }

  private teardown(): Promise<void> {
    return this.bench.remove(NAME);
  }
}
