// bootstrap.recovery.volumeSnapshots: the VolumeSnapshots a new Cluster's first instance is made
// from (TypedLocalObjectReference, as in CloudNativePG). Their names become folder names locally.
import { z } from 'zod';
import { report } from './errors.js';
import { subdomainName } from './meta-schema.js';

const snapshotName = z.string().superRefine((name, ctx) => {
  const problem = subdomainName(name);
  if (problem) report(ctx, [], problem);
});

export const snapshotReference = z.strictObject({
  name: snapshotName,
  kind: z.literal('VolumeSnapshot').default('VolumeSnapshot'),
  apiGroup: z.literal('snapshot.storage.k8s.io').default('snapshot.storage.k8s.io'),
});

export const volumeSnapshotsSchema = z.strictObject({
  storage: snapshotReference,
  walStorage: snapshotReference.optional(),
  tablespaceStorage: z.record(z.string(), snapshotReference).optional(),
});
