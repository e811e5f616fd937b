// Self-protection of a primary: if it can reach neither the control plane nor any peer for longer
// than the bound, it must assume it has been replaced and stop accepting writes.
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { get as getTls } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceClient } from './client.js';
import type { InstanceSpec, PeerEndpoint } from './spec.js';

const PROBE_TIMEOUT_MS = 1000;
/** A primary that reaches neither the control plane nor any peer for this long stops PostgreSQL (docs/high-availability.md). */
export const ISOLATION_TIMEOUT_MS = 10_000;
/** How often a primary judges whether it is isolated; the fencing bound is its isolation timeout plus this. */
export const ISOLATION_CHECK_MS = 1000;
/** Self-isolation's fast shutdown turns immediate after this: a WAL sender waiting on an unreachable standby holds a fast shutdown up. */
export const ISOLATION_STOP_MS = 2000;

// node:http rather than fetch: fetch brings undici and its WebAssembly parser, about 10 MB of
// resident memory in a process meant to stay small.
// Any answer counts, even 401/403 from an API server: the question is whether it is reachable.
function reachable(url: string, connectionTimeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const fetcher = url.startsWith('https:') ? getTls : get;
    const req = fetcher(url, { timeout: connectionTimeoutMs, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function operatorUrl(spec: InstanceSpec): string | undefined {
  if (!spec.operatorEndpointFile || !existsSync(spec.operatorEndpointFile)) return undefined;
  try {
    const { port } = JSON.parse(readFileSync(spec.operatorEndpointFile, 'utf8')) as { port: number };
    return `http://127.0.0.1:${port}/livez`;
  } catch {
    return undefined;
  }
}

/** A peer counts when its manager answers its health route, which it does unless the instance has failed. */
function peerAnswers(peer: PeerEndpoint): Promise<boolean> {
  return new InstanceClient({ host: peer.host ?? '127.0.0.1', port: peer.statusPort }).call('healthz').then(
    () => true,
    () => false,
  );
}

/** True when at least one of the control plane and the peers answers. */
export async function hasContact(spec: InstanceSpec): Promise<boolean> {
  // With no peers nobody can take over, so stopping would only turn a control-plane outage into downtime.
  if (spec.peers.length === 0) return true;
  const op = spec.controlPlaneUrl ?? operatorUrl(spec);
  const check = spec.isolationCheck;
  // requestTimeout bounds each whole probe; a peer's manager also answers within its route's timeout.
  const bounded = (answer: Promise<boolean>) => (check ? Promise.race([answer, sleep(check.requestTimeoutMs).then(() => false)]) : answer);
  const results = await Promise.all([...spec.peers.map((p) => bounded(peerAnswers(p))), ...(op ? [bounded(reachable(op, check?.connectionTimeoutMs ?? PROBE_TIMEOUT_MS))] : [])]);
  return results.some(Boolean);
}
