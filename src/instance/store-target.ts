// Joins a store's settings with its secrets into what the object-store code connects with.
import { createHash } from 'node:crypto';
import type { StoreTarget } from '../objectstore/index.js';
import type { StoreSecrets, StoreSpec } from './spec.js';

export function storeTarget(spec: StoreSpec, secrets: StoreSecrets | undefined): StoreTarget {
  return {
    destinationPath: spec.destinationPath,
    serverName: spec.serverName,
    endpointURL: spec.endpointURL,
    endpointCA: secrets?.endpointCA,
    s3: secrets?.s3,
    azure: secrets?.azure,
    google: secrets?.google,
    objects: spec.objects,
    readTimeoutMs: spec.readTimeoutSeconds === undefined ? undefined : spec.readTimeoutSeconds * 1000,
  };
}

/** Names a store without its secrets, so local bookkeeping for one store never counts for another. */
export function storeIdentity(spec: StoreSpec): string {
  return createHash('sha256').update(JSON.stringify([spec.destinationPath, spec.serverName, spec.endpointURL ?? ''])).digest('hex').slice(0, 12);
}
