// A local Cluster under an HA test: its status, a writer committing through -rw all along, a
// watch for two primaries at one moment, and what the test stopped or started (SIGSTOPped pids,
// stress-ng) so that `stop` lets everything go whatever failed.
import type { ChildProcess } from 'node:child_process';
import { eventually, type TestEnv } from './env.js';
import { TwoPrimariesWatch, signalAll } from './ha.js';
import { Writer } from './writer.js';

export interface HaClusterStatus {
  phase?: string;
  phaseReason?: string;
  readyInstances?: number;
  currentPrimary?: string;
  timelineID?: number;
}

export class HaCluster {
  uri = '';
  ports: number[] = [];
  writer?: Writer;
  twoPrimaries?: TwoPrimariesWatch;
  stress?: ChildProcess;
  /** Pids the test SIGSTOPped: continued by `stop`. */
  readonly stopped: number[] = [];

  constructor(
    readonly env: TestEnv,
    readonly name: string,
    readonly instances: number,
  ) {}

  pods(): ReturnType<TestEnv['pods']> {
    return this.env.pods(this.name);
  }

  async status(): Promise<HaClusterStatus> {
    return (await this.env.json<{ status?: HaClusterStatus }>(['get', 'cluster', this.name])).status ?? {};
  }

  async healthy(): Promise<HaClusterStatus> {
    return eventually(`a healthy cluster with ${this.instances} ready instances`, async () => {
      const s = await this.status();
      return s.phase === 'Cluster in healthy state' && s.readyInstances === this.instances ? s : undefined;
    }, 120_000, 250);
  }

  /** Applies the manifest, waits for Ready, and starts the writer and the two-primaries watch. */
  async start(clusterManifest: string): Promise<Writer> {
    await this.env.ok(['apply', '-f', '-'], clusterManifest);
    await this.env.ok(['wait', '--for=condition=Ready', `cluster/${this.name}`, '--timeout=180s'], undefined, 200_000);
    this.uri = Buffer.from((await this.env.ok(['get', 'secret', `${this.name}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
    this.ports = (await this.pods()).map((p) => p.status.local.port);
    await Writer.prepare(this.uri);
    this.writer = new Writer(this.uri);
    this.writer.start();
    this.twoPrimaries = new TwoPrimariesWatch(() => this.ports, this.uri);
    return this.writer;
  }

  stopStress(): void {
    this.stress?.kill('SIGKILL');
    this.stress = undefined;
  }

  async stop(): Promise<void> {
    // Whatever a failed assertion left stopped must be able to exit.
    signalAll(this.stopped, 'SIGCONT');
    this.stopStress();
    await this.writer?.stop();
    await this.twoPrimaries?.stop();
    await this.env.cleanup();
  }
}
