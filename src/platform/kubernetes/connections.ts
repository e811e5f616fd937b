// client-node builds a new https.Agent for every request, so every API call would open (and
// handshake) a TLS connection of its own: at a few hundred requests a second that is most of the
// operator's CPU and the API server's. One keep-alive agent per set of TLS settings reuses them.
import { Agent, type AgentOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

type AgentFactory = (cluster: Cluster | null, options: AgentOptions) => unknown;

export function reuseConnections(kc: KubeConfig): void {
  const target = kc as unknown as { createAgent: AgentFactory };
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    if (!cluster?.server.startsWith('https:') || cluster.proxyUrl) return original(cluster, options);
    const key = JSON.stringify([cluster.server, options.ca, options.cert, options.key, options.pfx, options.rejectUnauthorized, options.servername].map((v) => (v === undefined ? null : String(v))));
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}
