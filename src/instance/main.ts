#!/usr/bin/env node
// Entry point of one instance manager: `node main.js <instance folder>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { log } from './log.js';
import { InstanceManager } from './manager.js';
import { instancePaths } from './paths.js';
import { startStatusServer } from './server.js';
import type { InstanceSpec } from './spec.js';

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root) {
    process.stderr.write('usage: instance-manager <instance folder>\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(instancePaths(root).spec, 'utf8')) as InstanceSpec;
  const paths = instancePaths(root, spec.pgPort);
  const manager = new InstanceManager(paths);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down');
    await manager.shutdown();
    server.close();
    process.exit(0);
  };
  const server = await startStatusServer(manager, spec.statusPort, () => void stop());
  writeFileSync(paths.managerState, JSON.stringify({ pid: process.pid, statusPort: spec.statusPort }) + '\n', { mode: 0o600 });
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  log('info', 'instance manager started', { instance: spec.name, statusPort: spec.statusPort });
  manager.start();
}

main().catch((e: unknown) => {
  log('error', 'instance manager failed', { error: (e as Error).message });
  process.exit(1);
});
