// Defaults that need the platform's word, applied in one place for both platforms: the local
// admission and the Kubernetes defaulting webhook pin a Cluster's image with pinImage, and the
// operator records the image a Cluster runs with recordedImage, for Clusters admitted without the
// webhook. Either way an operator whose default image changed keeps an existing Cluster on its own.

interface ImageSpec {
  imageName?: string | undefined;
  imageCatalogRef?: unknown;
}

/**
 * CloudNativePG's defaulting: a Cluster naming neither an image nor a catalog gets the default
 * image. It is asked for only then: locally, finding it means finding an installed server.
 */
export function pinImage<S extends ImageSpec>(spec: S, defaultImage: () => string): S {
  return spec.imageName || spec.imageCatalogRef ? spec : { ...spec, imageName: defaultImage() };
}

/**
 * status.image: the image the spec names, else the one recorded before, else (once, for a Cluster
 * that names no catalog either) the platform's default.
 */
export function recordedImage(spec: ImageSpec, recorded: string | undefined, defaultImage: string | undefined): string | undefined {
  return spec.imageName ?? recorded ?? (spec.imageCatalogRef ? undefined : defaultImage);
}
