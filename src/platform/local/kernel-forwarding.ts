// Kernel forwarding for the local endpoints: a DNAT rule per endpoint port in an nftables table of
// this CNPG_HOME's own, so a client's packets go straight to PostgreSQL with no process copying
// them (docs/endpoints.md has the figures). Chosen once when the daemon starts; without the
// privilege (root or CAP_NET_ADMIN) or the tools, the endpoint proxy alone serves, as it always can.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chainName, clusterScript, departures, dropTableScript, forwardedClients, forwardsOf, killFilters, parseSockets, removeClusterScript, tableName, tableScript, type Departure } from './nft-rules.js';
import type { Routes } from './proxy.js';

const CAP_NET_ADMIN = 12;

/** nft and ss answer in milliseconds; one that hangs must not hold a routing for ever. */
const COMMAND_TIMEOUT_MS = 10_000;

function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')} ${sig ? `killed by ${sig}` : `exited ${code}`}: ${err.trim()}`))));
    // A command that exits without reading its input (an error) closes the pipe: its exit code says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

function hasNetAdmin(): boolean {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)$/m);
  return line ? (BigInt(`0x${line[1]}`) & (1n << BigInt(CAP_NET_ADMIN))) !== 0n : false;
}

export class KernelForwarding {
  /** Per cluster chain: the script last applied, and the routes whose departures were last cut. */
  private readonly applied = new Map<string, string>();
  private readonly routed = new Map<string, Routes>();
  /** One nft transaction at a time: each is atomic, but they are built against the table as it was. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly table: string) {}

  /** Creates (or replaces) the table of this home; throws with the reason when the kernel path cannot be used. */
  static async open(home: string): Promise<KernelForwarding> {
    if (!hasNetAdmin()) throw new Error('no CAP_NET_ADMIN (run the operator as root to forward in the kernel)');
    await run('ss', ['-V']).catch((e: Error) => Promise.reject(new Error(`ss (iproute2) is needed to cut forwarded connections: ${e.message}`)));
    const forwarding = new KernelForwarding(tableName(home));
    await run('nft', ['-f', '-'], tableScript(forwarding.table));
    return forwarding;
  }

  private nft(script: string): Promise<void> {
    const next = this.queue.then(() => run('nft', ['-f', '-'], script));
    this.queue = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  /**
   * Forwards the cluster's endpoint ports to their backends, then cuts the forwarded connections
   * of backends that left a set: the rule changes first so no new connection reaches them.
   * `before` is what the routes file said; what this daemon last carried out wins over it, so a
   * routing that failed halfway is cut again by the next one.
   */
  async route(namespace: string, name: string, before: Routes | undefined, after: Routes): Promise<number> {
    const chain = chainName(namespace, name);
    const script = clusterScript(this.table, chain, forwardsOf(after, `${namespace}/${name}`));
    if (this.applied.get(chain) !== script) {
      await this.nft(script);
      this.applied.set(chain, script);
    }
    const cut = await this.cut(departures(this.routed.get(chain) ?? before, after));
    this.routed.set(chain, after);
    return cut;
  }

  /** Kills both ends of every connection forwarded to a departed backend; returns how many. */
  async cut(gone: Departure[]): Promise<number> {
    if (gone.length === 0) return 0;
    const sockets = parseSockets(await run('ss', ['-tnH', 'state', 'connected']));
    let cut = 0;
    for (const d of gone) {
      const clients = forwardedClients(sockets, d);
      for (const filter of killFilters(d, clients)) await run('ss', ['-K', '-tnH', 'state', 'connected', filter]);
      cut += clients.length;
    }
    return cut;
  }

  async removeCluster(namespace: string, name: string, ports: number[]): Promise<void> {
    const chain = chainName(namespace, name);
    await this.nft(removeClusterScript(this.table, chain, ports));
    this.applied.delete(chain);
    this.routed.delete(chain);
  }

  /** Removes the table; connections already forwarded keep going (the kernel tracks them). */
  async close(): Promise<void> {
    await this.nft(dropTableScript(this.table));
    this.applied.clear();
    this.routed.clear();
  }
}

/** How the daemon serves endpoints, decided once at its start. */
export type ForwardingChoice = { kind: 'nftables'; forwarding: KernelForwarding } | { kind: 'proxy'; reason: string };

/** `CNPG_ENDPOINT_FORWARDING=proxy` keeps the proxy alone (to compare, or where nftables rules are unwelcome). */
export async function chooseForwarding(home: string, env: NodeJS.ProcessEnv = process.env): Promise<ForwardingChoice> {
  const wanted = env.CNPG_ENDPOINT_FORWARDING ?? 'auto';
  if (wanted === 'proxy') return { kind: 'proxy', reason: 'CNPG_ENDPOINT_FORWARDING=proxy' };
  if (wanted !== 'auto' && wanted !== 'nftables') throw new Error(`CNPG_ENDPOINT_FORWARDING is "${wanted}"; allowed: auto, nftables, proxy`);
  try {
    return { kind: 'nftables', forwarding: await KernelForwarding.open(home) };
  } catch (e) {
    if (wanted === 'nftables') throw new Error(`CNPG_ENDPOINT_FORWARDING=nftables, but ${(e as Error).message}`);
    return { kind: 'proxy', reason: (e as Error).message };
  }
}

export function describeForwarding(choice: ForwardingChoice): string {
  return choice.kind === 'nftables' ? `kernel (nftables table ip ${choice.forwarding.table}), proxy holding clients while no backend` : `user-space proxy (${choice.reason})`;
}
