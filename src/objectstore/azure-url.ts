// Reads an Azure destinationPath as barman-cloud does: https://ACCOUNT.blob.core.windows.net/CONTAINER/path
// for Azure itself, and for emulated storage (Azurite) http://HOST:PORT/ACCOUNT/CONTAINER/path.
import { ObjectStoreError } from './errors.js';

const AZURE_DOMAIN = 'blob.core.windows.net';

export interface AzureLocation {
  /** The service endpoint a client is built on (no container). */
  serviceURL: string;
  account: string;
  container: string;
  /** '' or 'some/path/'. */
  prefix: string;
  emulated: boolean;
}

export function parseAzureURL(destinationPath: string): AzureLocation {
  let url: URL;
  try {
    url = new URL(destinationPath);
  } catch {
    throw invalid(destinationPath);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(destinationPath);
  const segments = url.pathname.split('/').slice(1);
  const emulated = !url.hostname.endsWith(`.${AZURE_DOMAIN}`);
  const [account, container, rest] = emulated
    ? [segments[0] ?? '', segments[1] ?? '', segments.slice(2)]
    : [url.hostname.slice(0, -AZURE_DOMAIN.length - 1), segments[0] ?? '', segments.slice(1)];
  if (!account || !container) throw invalid(destinationPath);
  const path = rest.filter((s) => s !== '').join('/');
  return {
    serviceURL: emulated ? `${url.protocol}//${url.host}/${account}` : `${url.protocol}//${url.host}`,
    account,
    container,
    prefix: path ? `${path}/` : '',
    emulated,
  };
}

function invalid(destinationPath: string): ObjectStoreError {
  return new ObjectStoreError(
    'invalid',
    `invalid Azure destinationPath "${destinationPath}": use https://ACCOUNT.blob.core.windows.net/CONTAINER/path or, for an emulator, http://HOST:PORT/ACCOUNT/CONTAINER/path`,
  );
}
