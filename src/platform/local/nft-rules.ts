// The kernel's side of the local endpoints, as text: the nftables script that forwards an endpoint
// port to its backends, and which socket pairs belong to a forwarded connection that must be cut.
// Pure, so the rules and the cutting are tested without privileges; kernel-forwarding.ts runs them.
import { createHash } from 'node:crypto';
import type { Routes } from './proxy.js';

/** Everything listens on the loopback address only (DESIGN.md), so only it is forwarded. */
export const LOOPBACK = '127.0.0.1';

/** One endpoint port and the backend ports its new connections go to (none: the proxy holds them). */
export interface Forward {
  port: number;
  backends: number[];
  /** Shown in `nft list table`, e.g. `default/pg rw`. */
  label: string;
}

/** A backend port that left an endpoint's set: the connections forwarded there are cut. */
export interface Departure {
  endpoint: number;
  backend: number;
}

export interface SocketEnd {
  addr: string;
  port: number;
}

export interface TcpSocket {
  local: SocketEnd;
  peer: SocketEnd;
}

/** Each CNPG_HOME gets a table of its own, so parallel daemons and tests never share rules. */
export function tableName(home: string): string {
  return `cnpg_${createHash('sha256').update(home).digest('hex').slice(0, 12)}`;
}

const DNS_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** A cluster's chain; `_` is in no Kubernetes name, so namespace and name cannot run together. */
export function chainName(namespace: string, name: string): string {
  for (const part of [namespace, name]) {
    if (!DNS_NAME.test(part)) throw new Error(`"${part}" is not a lowercase DNS name; it cannot name an nftables chain`);
  }
  return `c_${namespace}_${name}`;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${n} is not a TCP port`);
  return n;
}

/** Where a new connection goes: one backend, or the next of several in turn (round robin like the proxy). */
export function dnatTarget(backends: number[]): string {
  if (backends.length === 1) return `${LOOPBACK}:${port(backends[0] as number)}`;
  const entries = backends.map((b, i) => `${i} : ${port(b)}`).join(', ');
  return `${LOOPBACK} : numgen inc mod ${backends.length} map { ${entries} }`;
}

/**
 * A fresh table: the `endpoints` verdict map sends each forwarded port to its cluster's chain.
 * Adding then deleting first makes it one transaction that also replaces a table a killed daemon left.
 */
export function tableScript(table: string): string {
  return [
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  map endpoints { type inet_service : verdict; }',
    // -100 is the dstnat priority; nft 1.0.6 does not take the name in the output hook.
    `  chain output { type nat hook output priority -100; policy accept; ip daddr ${LOOPBACK} tcp dport vmap @endpoints; }`,
    '}',
    '',
  ].join('\n');
}

export function dropTableScript(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}

// `delete element` of an absent element fails the whole transaction, so each is added first.
const unmap = (table: string, chain: string, ports: number[]): string[] =>
  ports.flatMap((p) => [`add element ip ${table} endpoints { ${port(p)} : jump ${chain} }`, `delete element ip ${table} endpoints { ${p} }`]);

/** One transaction that makes the cluster's chain forward exactly these ports (a port without backends is left to the proxy). */
export function clusterScript(table: string, chain: string, forwards: Forward[]): string {
  const lines = [`add chain ip ${table} ${chain}`, `flush chain ip ${table} ${chain}`, ...unmap(table, chain, forwards.map((f) => f.port))];
  for (const f of forwards) {
    if (f.backends.length === 0) continue;
    if (!/^[\w ./-]*$/.test(f.label)) throw new Error(`label "${f.label}" has characters an nftables comment cannot hold`);
    lines.push(`add rule ip ${table} ${chain} tcp dport ${port(f.port)} dnat to ${dnatTarget(f.backends)} comment "${f.label}"`);
    lines.push(`add element ip ${table} endpoints { ${f.port} : jump ${chain} }`);
  }
  return lines.join('\n') + '\n';
}

/** One transaction that removes the cluster's chain and its ports from the map. */
export function removeClusterScript(table: string, chain: string, ports: number[]): string {
  return [`add chain ip ${table} ${chain}`, `flush chain ip ${table} ${chain}`, ...unmap(table, chain, ports), `delete chain ip ${table} ${chain}`].join('\n') + '\n';
}

/** The forwards of a cluster's routes, role by role. */
export function forwardsOf(routes: Routes, label: string): Forward[] {
  return Object.entries(routes.listeners).map(([role, listener]) => ({
    port: listener.port,
    backends: (routes.backends[role] ?? []).map((b) => b.port),
    label: `${label} ${role}`,
  }));
}

/** The backends that left each endpoint's set between two routings. */
export function departures(before: Routes | undefined, after: Routes): Departure[] {
  if (!before) return [];
  const out: Departure[] = [];
  for (const [role, listener] of Object.entries(after.listeners)) {
    const kept = new Set((after.backends[role] ?? []).map((b) => b.port));
    for (const b of before.backends[role] ?? []) {
      if (!kept.has(b.port)) out.push({ endpoint: listener.port, backend: b.port });
    }
  }
  return out;
}

/** `ss -tnH state connected` lines: state, queues, local address:port, peer address:port. */
export function parseSockets(text: string): TcpSocket[] {
  const end = (s: string | undefined): SocketEnd | undefined => {
    const i = s?.lastIndexOf(':') ?? -1;
    if (!s || i < 0) return undefined;
    const p = Number(s.slice(i + 1));
    return Number.isInteger(p) ? { addr: s.slice(0, i).replace(/^\[|\]$/g, ''), port: p } : undefined;
  };
  const out: TcpSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const local = end(f[f.length - 2]);
    const peer = end(f[f.length - 1]);
    if (f.length >= 5 && local && peer) out.push({ local, peer });
  }
  return out;
}

/**
 * The client ports of connections the kernel forwarded from `endpoint` to `backend`. Such a client
 * socket still says it talks to the endpoint port, and the backend's socket talks to the client's
 * port. A socket from that same port to the backend is the proxy's own upstream (a port may be
 * shared by connections to different destinations), so that one is the proxy's, not forwarded.
 */
export function forwardedClients(sockets: TcpSocket[], d: Departure): number[] {
  const loop = sockets.filter((s) => s.local.addr === LOOPBACK && s.peer.addr === LOOPBACK);
  const has = (from: number, to: number) => loop.some((s) => s.local.port === from && s.peer.port === to);
  const clients = loop.filter((s) => s.peer.port === d.endpoint).map((s) => s.local.port);
  return [...new Set(clients)].filter((c) => has(d.backend, c) && !has(c, d.backend)).sort((a, b) => a - b);
}

/** `ss` filters that select both ends of each forwarded connection, a bounded number of terms each. */
export function killFilters(d: Departure, clients: number[], perFilter = 100): string[] {
  const filters: string[] = [];
  for (let i = 0; i < clients.length; i += perFilter) {
    const terms = clients
      .slice(i, i + perFilter)
      .flatMap((c) => [`( src ${LOOPBACK}:${c} and dst ${LOOPBACK}:${d.endpoint} )`, `( src ${LOOPBACK}:${d.backend} and dst ${LOOPBACK}:${c} )`]);
    filters.push(terms.join(' or '));
  }
  return filters;
}
