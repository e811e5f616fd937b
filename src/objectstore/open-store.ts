// How a storage backend is chosen from an already-resolved destination (secrets have been read by
// the caller).
import { describeS3, type BlobEntry, type BlobStore, type PutOptions, type StoreTarget } from './blob-store.js';
import { ObjectStoreError } from './errors.js';
import { FileBlobStore } from './file-store.js';

/**
 * The AWS SDK costs the instance manager tens of megabytes of memory, so it is loaded when an
 * S3 store is first used, not when the module is.
 */
class LazyS3Store implements BlobStore {
  private store?: Promise<BlobStore>;

  constructor(private readonly target: StoreTarget) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target.destinationPath);
    if (!m?.[1]) throw new ObjectStoreError('invalid', `invalid destinationPath "${target.destinationPath}": use s3://bucket/prefix`);
  }

  private open(): Promise<BlobStore> {
    this.store ??= import('./s3-store.js').then(({ S3BlobStore }) => new S3BlobStore(this.target));
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
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(this.target.destinationPath)!;
    const rest = (m[2] ?? '').replace(/\/+$/, '');
    return describeS3(m[1]!, rest ? `${rest}/` : '', this.target.endpointURL);
  }
}

export function openBlobStore(target: StoreTarget): BlobStore {
  const dest = target.destinationPath;
  if (dest.startsWith('s3://')) return new LazyS3Store(target);
  if (dest.startsWith('file://')) return new FileBlobStore(dest);
  throw new ObjectStoreError(
    'invalid',
    `unsupported destinationPath "${dest}": use s3://bucket/prefix or file:///absolute/path (azure and gs are not supported yet)`,
  );
}
