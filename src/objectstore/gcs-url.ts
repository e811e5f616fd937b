// Reads a Google Cloud Storage destinationPath as barman-cloud does: gs://BUCKET/path, or
// https://storage.googleapis.com/BUCKET/path.
import { ObjectStoreError } from './errors.js';

const HTTPS_FORM = 'https://storage.googleapis.com/';

export function parseGcsURL(destinationPath: string): { bucket: string; prefix: string } {
  const gs = destinationPath.startsWith(HTTPS_FORM) ? `gs://${destinationPath.slice(HTTPS_FORM.length)}` : destinationPath;
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(gs);
  if (!m?.[1]) {
    throw new ObjectStoreError('invalid', `invalid Google Cloud Storage destinationPath "${destinationPath}": use gs://bucket/path or ${HTTPS_FORM}bucket/path`);
  }
  const path = (m[2] ?? '').split('/').filter((s) => s !== '').join('/');
  return { bucket: m[1], prefix: path ? `${path}/` : '' };
}
