// The Secrets the operator generates for a Cluster (credentials and certificates): its own, kept
// in step with the Cluster's inheritedMetadata and deleted with it. They carry no owner reference.
import type { Cluster } from '../api/index.js';
import { secretNames } from '../api/names.js';
import { certificateSecrets } from './certificates.js';

export function generatedSecretNames(cluster: Cluster): string[] {
  const names = secretNames(cluster.metadata.name);
  const { generatedCA, generatedServer } = certificateSecrets(cluster);
  return [names.app, names.superuser, names.replication, names.pooler, generatedCA, generatedServer].filter((n): n is string => n !== undefined);
}
