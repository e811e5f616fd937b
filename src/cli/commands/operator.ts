// `operator`: run the local control plane in the foreground, or stop / inspect the background one.
import { LocalDaemon, readDaemonState } from '../../platform/local/daemon.js';
import { openHome } from '../../platform/local/home.js';
import { CliError, probeOperator } from '../client.js';
import { setTimeout as sleep } from 'node:timers/promises';

export async function runOperator(): Promise<void> {
  const log = (msg: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level: 'info', logger: 'operator', msg, ...fields }) + '\n');
  const daemon = await LocalDaemon.start(log);
  const stop = () => void daemon.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A busy operator is stopped too: the signal does not wait for it to answer. */
export async function stopOperator(): Promise<void> {
  const home = openHome();
  const state = readDaemonState(home);
  if (!state) {
    process.stdout.write(`no operator is running for ${home.root}\n`);
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(state.pid, 0);
    } catch {
      process.stdout.write(`operator (pid ${state.pid}) stopped; PostgreSQL instances keep running\n`);
      return;
    }
    await sleep(100);
  }
  throw new CliError(`operator (pid ${state.pid}) did not stop within 30s`);
}

export async function operatorStatus(): Promise<void> {
  const home = openHome();
  const found = await probeOperator(home);
  if (found.kind === 'not answering') throw new CliError(found.why);
  if (found.kind === 'not running') {
    process.stdout.write(`no operator is running for ${home.root}\n`);
    return;
  }
  const delay = found.health.eventLoopDelay;
  const loop = delay ? `; event-loop delay over the last ${delay.windowS} s: p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms` : '';
  process.stdout.write(`operator running: pid ${found.state.pid}, CNPG_HOME ${home.root}${loop}\n`);
}
