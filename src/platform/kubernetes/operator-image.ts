// The image instance and pooler Pods copy their manager from: the operator's own. Its Pod says
// which it is even after `kubectl set image`, which changes the container's image but not the
// OPERATOR_IMAGE_NAME beside it; that variable (set to the same image by the release manifest and
// the chart) serves when the Pod cannot be read, as outside a cluster or without the right to.
import type { KubeObject } from '../../api/meta.js';

/** The operator's container in its Deployment (config/manager, the chart). */
const OPERATOR_CONTAINER = 'manager';

export interface OwnImage {
  image: string;
  from: 'pod' | 'OPERATOR_IMAGE_NAME' | 'default';
}

export function ownImage(pod: KubeObject | undefined, fromEnv: string | undefined, fallback: string): OwnImage {
  const containers = ((pod?.spec as { containers?: { name: string; image?: string }[] } | undefined)?.containers ?? []).filter((c) => c.image);
  const mine = containers.find((c) => c.name === OPERATOR_CONTAINER) ?? (containers.length === 1 ? containers[0] : undefined);
  if (mine?.image) return { image: mine.image, from: 'pod' };
  if (fromEnv) return { image: fromEnv, from: 'OPERATOR_IMAGE_NAME' };
  return { image: fallback, from: 'default' };
}
