// `operator`: run the local control plane in the foreground, or stop / inspect the background one.
import { LocalDaemon } from '../../platform/local/daemon.js';
import { openHome } from '../../platform/local/home.js';
import { CliError, runningDaemon } from '../client.js';

export async function runOperator(): Promise<void> {
  const log = (msg: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level: 'info', logger: 'operator', msg, ...fields }) + '\n');
  const daemon = await LocalDaemon.start(log);
  const stop = () => void daemon.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export async function stopOperator(): Promise<void> {
  const home = openHome();
  const state = await runningDaemon(home);
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
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError(`operator (pid ${state.pid}) did not stop within 30s`);
}

export async function operatorStatus(): Promise<void> {
  const home = openHome();
  const state = await runningDaemon(home);
  process.stdout.write(state ? `operator running: pid ${state.pid}, CNPG_HOME ${home.root}\n` : `no operator is running for ${home.root}\n`);
}
