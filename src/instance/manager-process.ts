// One instance manager process, loaded by main.ts once stop signals are taken.
import { onStopSignal } from '../process/stop-signals.js';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { keepAllocatorEnvFromChildren } from './allocator-env.js';
import { log } from './log.js';
import { InstanceManager } from './manager.js';
import { createExporter, MetricsEndpoint } from './metrics-exporter.js';
import { instancePaths } from './paths.js';
import { binDirInImage } from './pod-binaries.js';
import { adoptMountedSpec } from './pod-spec.js';
import { stageSnapshotVolumes } from './snapshot-in-place.js';
import { startStatusServer } from './server.js';
import type { InstanceSpec } from './spec.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** How soon a metrics port given by a new spec is listened on. */
const METRICS_PORT_CHECK_MS = 2000;
/** How long replies in flight (an isolate answered as PostgreSQL stops) may take to leave before the manager exits. */
const REPLY_DRAIN_MS = 2000;

/** In a Pod the spec comes from the operator's Secret, mounted read-only (see pod-spec.ts). */
async function podRoot(): Promise<{ root: string; listenAddress?: string; socketDir?: string }> {
  const root = process.env.CNPG_INSTANCE_ROOT;
  const specDir = process.env.CNPG_SPEC_DIR;
  if (!root || !specDir) throw new Error('--pod needs CNPG_INSTANCE_ROOT and CNPG_SPEC_DIR in the environment');
  const target = instancePaths(root);
  if (!adoptMountedSpec(specDir, target)) {
    log('info', 'waiting for the spec', { specDir });
    while (!adoptMountedSpec(specDir, target)) await sleep(1000);
  }
  return { root, listenAddress: process.env.POD_IP, socketDir: process.env.CNPG_SOCKET_DIR };
}

/** Stops taking connections and lets open replies finish, for at most `ms` (event streams never do). */
async function drain(server: Server, ms: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([closed, sleep(ms)]);
}

async function main(): Promise<void> {
  keepAllocatorEnvFromChildren();
  const pod = process.argv[2] === '--pod' ? await podRoot() : undefined;
  const root = pod?.root ?? process.argv[2];
  if (!root) {
    process.stderr.write('usage: instance-manager <instance folder> | --pod\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(instancePaths(root).spec, 'utf8')) as InstanceSpec;
  const paths = instancePaths(root, spec.pgPort);
  if (pod?.socketDir) paths.socketDir = pod.socketDir;
  // Before anything reads the data volume: one the CSI driver made from a snapshot is another instance's.
  if (pod) stageSnapshotVolumes(paths, spec);
  // Facts of the Pod that win over any spec the operator sends.
  const overrides: Partial<InstanceSpec> = pod ? { binDir: binDirInImage(spec), ...(pod.listenAddress ? { listenAddress: pod.listenAddress } : {}) } : {};
  const manager = new InstanceManager(paths, overrides);
  let stopping = false;
  const stop = async (fast = false) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down', { fast });
    clearInterval(followMetricsPort);
    // The exporter's connections are sessions too: a smart shutdown would wait for them.
    await metrics.close();
    await manager.shutdown(fast);
    // The operator's isolate of a primary in its smart shutdown resolves with this same stop: its
    // reply must leave before the exit, or the operator takes the primary for unreachable and
    // waits out the isolation window before it promotes.
    await drain(server, REPLY_DRAIN_MS);
    process.exit(0);
  };
  const listenAddress = pod?.listenAddress ?? '127.0.0.1';
  const server = await startStatusServer(manager, spec.statusPort, () => void stop(), listenAddress);
  // The exporter reads the manager's spec on every collection: new queries apply without a restart.
  const metrics = new MetricsEndpoint(createExporter(() => manager.spec, () => ({ socketDir: paths.socketDir, port: manager.spec.pgPort })), listenAddress);
  await metrics.follow(spec.metricsPort);
  const followMetricsPort = setInterval(() => void metrics.follow(manager.spec.metricsPort), METRICS_PORT_CHECK_MS);
  writeFileSync(paths.managerState, JSON.stringify({ pid: process.pid, statusPort: spec.statusPort }) + '\n', { mode: 0o600 });
  onStopSignal((fast) => void stop(fast));
  log('info', 'instance manager started', { instance: spec.name, statusPort: spec.statusPort, metricsPort: spec.metricsPort, binDir: manager.spec.binDir });
  manager.start();
}

main().catch((e: unknown) => {
  log('error', 'instance manager failed', { error: (e as Error).message });
  process.exit(1);
});
