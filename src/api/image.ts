// PostgreSQL images: which major version an image runs, and how a Cluster names its image.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg } from './errors.js';
import { nonEmptyString } from './common.js';

const CNPG_GROUP = CNPG_API_VERSION.split('/')[0] ?? 'postgresql.cnpg.io';

interface ImageReference {
  tag?: string;
  digest?: string;
}

function splitImage(imageName: string): ImageReference {
  const at = imageName.indexOf('@');
  const withoutDigest = at >= 0 ? imageName.slice(0, at) : imageName;
  const digest = at >= 0 ? imageName.slice(at + 1) : undefined;
  // A colon before the last '/' belongs to a registry port, not to a tag.
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : undefined;
  return { ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

const VERSION_TAG = /^(\d+)(?:[._-]|$)/;

/**
 * The PostgreSQL major version an image runs, read from its tag as CloudNativePG does:
 * `postgresql:16.1` → 16, `postgres:15.3` → 15, `postgresql:17.2-system-trixie` → 17.
 * Digest-only references and untagged images give undefined.
 */
export function majorFromImageName(imageName: string): number | undefined {
  const { tag } = splitImage(imageName);
  const match = tag === undefined ? null : VERSION_TAG.exec(tag);
  return match ? Number(match[1]) : undefined;
}

const MINOR_TAG = /^(\d+)\.(\d+)(?:[._-]|$)/;

/**
 * The PostgreSQL version an image's tag names, as precisely as it names it: `postgresql:16.1` →
 * 16.1, `postgresql:17.2-system-trixie` → 17.2, `postgresql:16` → 16 (any minor).
 */
export function versionFromImageName(imageName: string): { major: number; minor?: number } | undefined {
  const { tag } = splitImage(imageName);
  const minor = tag === undefined ? null : MINOR_TAG.exec(tag);
  if (minor) return { major: Number(minor[1]), minor: Number(minor[2]) };
  const major = majorFromImageName(imageName);
  return major === undefined ? undefined : { major };
}

/**
 * The PostgreSQL major a Cluster spec asks for: the catalog entry's major, else the imageName tag;
 * undefined when neither says (the platform then uses its default PostgreSQL).
 */
export function specMajor(spec: { imageCatalogRef?: { major: number } | undefined; imageName?: string | undefined }): number | undefined {
  return spec.imageCatalogRef?.major ?? (spec.imageName ? majorFromImageName(spec.imageName) : undefined);
}

/** Why an imageName cannot be used, if it cannot. */
export function imageNameProblem(imageName: string): string | undefined {
  const { tag } = splitImage(imageName);
  if (tag === undefined) return undefined;
  if (tag === 'latest') return msg.imageLatestTag(imageName);
  return VERSION_TAG.test(tag) ? undefined : msg.imageTagNotVersion(imageName, tag);
}

export const imageCatalogRefSchema = z.strictObject({
  apiGroup: z.literal(CNPG_GROUP),
  kind: z.enum(['ImageCatalog', 'ClusterImageCatalog']),
  name: nonEmptyString,
  major: z.int().min(10),
});
