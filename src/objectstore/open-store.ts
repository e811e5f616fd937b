// How a storage backend is chosen from an already-resolved destination (secrets have been read by
// the caller).
import { describeS3, type BlobEntry, type BlobStore, type PutOptions, type StoreTarget } from './blob-store.js';
import { parseAzureURL } from './azure-url.js';
import { ObjectStoreError } from './errors.js';
import { FileBlobStore } from './file-store.js';
import { describeGcs, gcsEndpoint, parseGcsURL } from './gcs-url.js';
import { withPutPolicy } from './put-policy.js';

/**
 * The cloud SDKs cost the instance manager tens of megabytes of memory, so one is loaded when its
 * store is first used, not when the module is.
 */
class LazyStore implements BlobStore {
  private store?: Promise<BlobStore>;

  constructor(
    private readonly load: () => Promise<BlobStore>,
    private readonly name: string,
  ) {}

  private open(): Promise<BlobStore> {
    this.store ??= this.load();
    return this.store;
  }

  put(key: string, body: Buffer | NodeJS.ReadableStream, opts?: PutOptions): Promise<void> {
    return this.open().then((s) => s.put(key, body, opts));
  }

  get(key: string): Promise<NodeJS.ReadableStream> {
    return this.open().then((s) => s.get(key));
  }

  exists(key: string): Promise<boolean> {
    return this.open().then((s) => s.exists(key));
  }

  list(prefix: string): Promise<BlobEntry[]> {
    return this.open().then((s) => s.list(prefix));
  }

  delete(keys: string[]): Promise<void> {
    return this.open().then((s) => s.delete(keys));
  }

  describe(): string {
    return this.name;
  }
}

function s3Store(target: StoreTarget): BlobStore {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target.destinationPath);
  if (!m?.[1]) throw new ObjectStoreError('invalid', `invalid destinationPath "${target.destinationPath}": use s3://bucket/prefix`);
  const rest = (m[2] ?? '').replace(/\/+$/, '');
  const name = describeS3(m[1], rest ? `${rest}/` : '', target.endpointURL);
  return new LazyStore(() => import('./s3-store.js').then(({ S3BlobStore }) => new S3BlobStore(target)), name);
}

function azureStore(target: StoreTarget): BlobStore {
  const { serviceURL, container, prefix } = parseAzureURL(target.destinationPath);
  const name = `${serviceURL}/${container}/${prefix.replace(/\/$/, '')}`;
  return new LazyStore(() => import('./azure-store.js').then(({ AzureBlobStore }) => new AzureBlobStore(target)), name);
}

function gcsStore(target: StoreTarget): BlobStore {
  const { bucket, prefix } = parseGcsURL(target.destinationPath);
  const name = describeGcs(bucket, prefix, gcsEndpoint(target.endpointURL));
  return new LazyStore(() => import('./gcs-store.js').then(({ GcsBlobStore }) => new GcsBlobStore(target)), name);
}

function backend(target: StoreTarget): BlobStore {
  const dest = target.destinationPath;
  if (dest.startsWith('s3://')) return s3Store(target);
  if (dest.startsWith('file://')) return new FileBlobStore(dest);
  if (dest.startsWith('gs://') || dest.startsWith('https://storage.googleapis.com/')) return gcsStore(target);
  if (dest.startsWith('https://') || dest.startsWith('http://')) return azureStore(target);
  throw new ObjectStoreError(
    'invalid',
    `unsupported destinationPath "${dest}": use s3://bucket/prefix, https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix, gs://bucket/prefix or file:///absolute/path`,
  );
}

export function openBlobStore(target: StoreTarget): BlobStore {
  return withPutPolicy(backend(target), target.objects);
}
