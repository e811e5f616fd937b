// What the rest of the object store needs from a storage backend; open-store.ts picks the backend.
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
  azure?: AzureCredentials;
  google?: GoogleCredentials;
  /** Server-side encryption and tags for every object written (put-policy.ts picks them per key). */
  objects?: ObjectPolicy;
  /** How long one request may wait for an answer (default 120 s). */
  readTimeoutMs?: number | undefined;
}

/** One of barman's Azure authentication methods; the account comes from destinationPath. */
export type AzureCredentials =
  | { connectionString: string }
  | { storageKey: string; storageAccount: string }
  | { storageSasToken: string; storageAccount: string }
  /** An Azure AD identity of the machine or Pod (managed or workload identity). */
  | { inheritIdentity: true };

/** A service account key (JSON), or the identity of the machine or Pod (GKE metadata server). */
export type GoogleCredentials = { applicationCredentials: string } | { gkeEnvironment: true };

export type Encryption = 'AES256' | 'aws:kms';

export interface ObjectPolicy {
  walEncryption?: Encryption;
  dataEncryption?: Encryption;
  tags?: Record<string, string>;
  /** Replace tags on .history files, as barman-cloud-wal-archive --history-tags does. */
  historyTags?: Record<string, string>;
  /** Part size of base backup uploads (--min-chunk-size). */
  dataPartSizeBytes?: number;
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
  /** S3 server-side encryption; stores without it refuse it (the API refuses it earlier). */
  encryption?: Encryption;
  tags?: Record<string, string>;
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

/** Refuses keys that could leave the store's root or are malformed. */
export function checkKey(key: string): void {
  const parts = key.split('/');
  if (key === '' || key.startsWith('/') || parts.some((p) => p === '..' || p === '.')) {
    throw new ObjectStoreError('invalid', `invalid object key "${key}"`);
  }
}
