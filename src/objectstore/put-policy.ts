// Which encryption and tags an object gets, from where it sits in barman-cloud's layout: WAL
// (<server>/wals/…) takes the wal settings, everything else (base backups, backup.info) the data
// settings, as barman-cloud-wal-archive and barman-cloud-backup apply theirs. Applying it here, to
// every put, keeps the writers (WAL, base backup, catalog) unaware of it.
import type { BlobEntry, BlobStore, ObjectPolicy, PutOptions } from './blob-store.js';

export function putOptionsFor(key: string, policy: ObjectPolicy): Pick<PutOptions, 'encryption' | 'tags' | 'partSizeBytes'> {
  const wal = key.split('/')[1] === 'wals';
  const encryption = wal ? policy.walEncryption : policy.dataEncryption;
  // barman-cloud replaces (does not merge) the tags of a history file when history tags are given.
  const history = wal && /\.history(?:\.[a-z0-9]+)?$/.test(key);
  const historyTags = history && policy.historyTags && Object.keys(policy.historyTags).length > 0 ? policy.historyTags : undefined;
  const tags = historyTags ?? (policy.tags && Object.keys(policy.tags).length > 0 ? policy.tags : undefined);
  const partSizeBytes = wal ? undefined : policy.dataPartSizeBytes;
  return { ...(encryption ? { encryption } : {}), ...(tags ? { tags } : {}), ...(partSizeBytes ? { partSizeBytes } : {}) };
}

/** The store with the policy's encryption and tags added to every put. */
export function withPutPolicy(store: BlobStore, policy: ObjectPolicy | undefined): BlobStore {
  if (!policy || Object.keys(policy).length === 0) return store;
  return {
    put: (key: string, body: Buffer | NodeJS.ReadableStream, opts?: PutOptions) => store.put(key, body, { ...opts, ...putOptionsFor(key, policy) }),
    get: (key: string) => store.get(key),
    exists: (key: string) => store.exists(key),
    list: (prefix: string): Promise<BlobEntry[]> => store.list(prefix),
    delete: (keys: string[]) => store.delete(keys),
    describe: () => store.describe(),
  };
}
