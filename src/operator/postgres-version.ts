// Which PostgreSQL version a Cluster asks for: its imageName's tag, or the tag of the image its
// catalog entry names (else that entry's major).
import type { Cluster } from '../api/index.js';
import { versionFromImageName } from '../api/image.js';
import type { WantedVersion } from '../postgres/build-choice.js';
import type { ResourceStore } from './platform.js';

interface CatalogObject {
  spec?: { images?: Array<{ major: number; image: string }> };
}

/** The image the Cluster's ImageCatalog or ClusterImageCatalog entry names for its major; undefined when there is none (yet). */
export async function catalogImage(store: Pick<ResourceStore, 'get'>, cluster: Cluster): Promise<string | undefined> {
  const ref = cluster.spec.imageCatalogRef;
  if (!ref) return undefined;
  const namespace = ref.kind === 'ImageCatalog' ? (cluster.metadata.namespace ?? 'default') : undefined;
  const catalog = (await store.get(ref.kind, namespace, ref.name)) as CatalogObject | undefined;
  return catalog?.spec?.images?.find((i) => i.major === ref.major)?.image;
}

/** Undefined when the Cluster names no version at all (the platform's default major runs it). */
export function wantedVersion(cluster: Cluster, imageOfCatalog: string | undefined): WantedVersion | undefined {
  const ref = cluster.spec.imageCatalogRef;
  const image = ref ? imageOfCatalog : cluster.spec.imageName;
  const fromImage = image ? versionFromImageName(image) : undefined;
  if (ref) return fromImage?.major === ref.major ? fromImage : { major: ref.major };
  return fromImage;
}
