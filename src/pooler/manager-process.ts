// One pooler manager process, loaded by main.ts once stop signals are taken.
import { onStopSignal } from '../process/stop-signals.js';
import { accessSync, constants } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parseHandout } from '../pgbouncer/parse-handout.js';
import { parseManagerArgs, UsageError, USAGE } from './args.js';
import { watchHandoutFile, type HandoutSource, type SourceCallbacks } from './handout-file.js';
import { watchHandoutSecret } from './handout-secret.js';
import { log } from './log.js';
import { PoolerManager } from './manager.js';
import { startPoolerServer } from './server.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseManagerArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`pooler-manager: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    accessSync(args.pgbouncer, constants.X_OK);
  } catch {
    process.stderr.write(`pooler-manager: PgBouncer is not an executable at ${args.pgbouncer}; install Debian's pgbouncer package or give --pgbouncer PATH\n`);
    process.exit(2);
  }
  if (process.getuid?.() === 0) {
    process.stderr.write('pooler-manager: refusing to run as root: PgBouncer does not run as root; start the manager as an unprivileged user\n');
    process.exit(2);
  }
  const manager = new PoolerManager({ runDir: args.runDir, listenAddr: args.listenAddr, listenPort: args.port, reusePort: args.reusePort, binary: args.pgbouncer });
  const server = await startPoolerServer(manager, args.httpPort, args.httpAddr);
  const callbacks: SourceCallbacks = {
    onText: (text) => {
      try {
        manager.offer(parseHandout(text));
      } catch (e) {
        manager.refuse(e as Error);
      }
    },
    onError: (e) => manager.refuse(e),
  };
  let source: HandoutSource;
  if (args.handout.kind === 'file') source = watchHandoutFile(args.handout.path, callbacks);
  else {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    source = watchHandoutSecret(kc, args.handout.namespace, args.handout.name, callbacks);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down');
    source.stop();
    await manager.stop();
    server.close();
    process.exit(0);
  };
  onStopSignal(() => void stop());
  log('info', 'pooler manager started', { runDir: args.runDir, port: args.port, httpPort: args.httpPort, handout: args.handout });
}

main().catch((e: unknown) => {
  log('error', 'pooler manager failed', { error: (e as Error).message });
  process.exit(1);
});
