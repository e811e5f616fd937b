// What the controller hands an instance, and how it tells that an instance has fallen behind: the
// controller computes the hashes, platforms only record them and report them back, with the peer
// addresses they handed out and the ones current now.
import type { PeerEndpoint } from '../instance/spec.js';
import { credentialsHash } from './credentials.js';
import { configHash } from './instance-config.js';
import type { ClusterCredentials, InstanceConfig, InstanceHandout, ObservedInstance } from './types.js';

export function handout(config: InstanceConfig, credentials: ClusterCredentials): InstanceHandout {
  return { config, credentials, configHash: configHash(config), credentialsHash: credentialsHash(credentials) };
}

/** The peers as one comparable string: order does not matter, a peer that moved counts as changed. */
export function peersKey(peers: PeerEndpoint[]): string {
  return peers
    .map((p) => `${p.name}=${p.host ?? '127.0.0.1'}:${p.statusPort}`)
    .sort()
    .join(',');
}

/**
 * True while an instance's peers are not the ones it was told of. A primary told of none never
 * isolates itself, and a primary is configured before its standbys exist, so a changed peer set
 * must bring it a new spec. A platform that kept no record of what it told (an instance from
 * before peers were recorded) counts as changed.
 */
export function peersChanged(inst: Pick<ObservedInstance, 'peersToldOf' | 'peersNow'>): boolean {
  if (inst.peersNow === undefined) return false;
  return inst.peersToldOf === undefined || peersKey(inst.peersToldOf) !== peersKey(inst.peersNow);
}
