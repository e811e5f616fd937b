// Free TCP ports on the loopback interface, so that parallel clusters and tests never collide.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Where endpoint ports are taken from: up to the start of the kernel's ephemeral range. */
const ENDPOINT_PORTS_FROM = 20_000;

/** The kernel's range for ports bound to 0: every other port of ours (freePort), and every client's. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A port for a cluster's rw/ro/r endpoint. Kernel forwarding rewrites connections to it machine-wide
 * (an nftables DNAT), so it must never be a port that another CNPG_HOME's daemon has just handed to
 * a manager or a PostgreSQL: those come from the ephemeral range (freePort), and a port probed free
 * by two daemons at once had one's status port forwarded to the other's endpoint, refused for good.
 * Endpoint ports are therefore taken below that range, at random, and probed free.
 */
export async function freeEndpointPort(): Promise<number> {
  const top = ephemeralLow() - 1;
  if (top - ENDPOINT_PORTS_FROM < 1000) return freePort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = ENDPOINT_PORTS_FROM + Math.floor(Math.random() * (top - ENDPOINT_PORTS_FROM + 1));
    if (handedOut.has(port) || !(await portIsFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  return freePort();
}

