// What the rest of the object store needs from a storage backend, and how one is chosen from
// an already-resolved destination (secrets have been read by the caller).
import { FileBlobStore } from './file-store.js';
import { ObjectStoreError } from './errors.js';

export interface StoreTarget {
  /** 's3://bucket/some/prefix/' or 'file:///abs/path'. */
  destinationPath: string;
  /** Folder under destinationPath. */
  serverName: string;
  /** S3 endpoint override; path-style addressing is used when set. */
  endpointURL?: string;
  /** PEM bundle to trust for the endpoint. */
  endpointCA?: string;
  s3?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region?: string };
}

export interface BlobEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** Parts uploaded concurrently for multipart uploads. */
  queueSize?: number;
  partSizeBytes?: number;
}

/** Keys are relative to destinationPath ('server/wals/…') and always use '/'. */
export interface BlobStore {
  /** Durable once it resolves. */
  put(key: string, body: Buffer | NodeJS.ReadableStream, opts?: PutOptions): Promise<void>;
  /** Rejects with ObjectStoreError kind 'not-found' when the key is missing. */
  get(key: string): Promise<NodeJS.ReadableStream>;
  exists(key: string): Promise<boolean>;
  /** Every object under the prefix, recursively, across all pages. */
  list(prefix: string): Promise<BlobEntry[]>;
  /** Missing keys are not an error. */
  delete(keys: string[]): Promise<void>;
  /** Where this store points, for messages; never secrets. */
  describe(): string;
}

/** 's3://bucket/prefix (endpoint …)': how an S3 store names itself in messages. */
export function describeS3(bucket: string, prefix: string, endpoint: string | undefined): string {
  const base = `s3://${bucket}/${prefix.replace(/\/$/, '')}`;
  return endpoint ? `${base} (endpoint ${endpoint})` : base;
}

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

/** Refuses keys that could leave the store's root or are malformed. */
export function checkKey(key: string): void {
  const parts = key.split('/');
  if (key === '' || key.startsWith('/') || parts.some((p) => p === '..' || p === '.')) {
    throw new ObjectStoreError('invalid', `invalid object key "${key}"`);
  }
}
