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

const GOOGLE = 'https://storage.googleapis.com';

/** The JSON API's base: endpointURL, else STORAGE_EMULATOR_HOST (as Google's clients read it), else Google's. */
export function gcsEndpoint(endpointURL: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const emulator = env.STORAGE_EMULATOR_HOST;
  const base = endpointURL ?? (emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`) : GOOGLE);
  return base.replace(/\/+$/, '');
}

/** 'gs://bucket/prefix (endpoint …)': how a Google store names itself in messages. */
export function describeGcs(bucket: string, prefix: string, endpoint: string): string {
  const where = `gs://${bucket}/${prefix.replace(/\/$/, '')}`;
  return endpoint === GOOGLE ? where : `${where} (endpoint ${endpoint})`;
}
