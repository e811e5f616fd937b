// Azure Blob Storage backend on @azure/storage-blob, in barman-cloud's layout and with its ways to
// authenticate (azure-url.ts reads the destination). Retries are modest, as for S3: the callers
// retry with backoff.
import { Readable } from 'node:stream';
import {
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { checkKey, type AzureCredentials, type BlobEntry, type BlobStore, type PutOptions, type StoreTarget } from './blob-store.js';
import { azureIdentityCredential } from './azure-identity.js';
import { parseAzureURL, type AzureLocation } from './azure-url.js';
import { ObjectStoreError } from './errors.js';

const DELETE_CONCURRENCY = 8;
const MIN_BLOCK_SIZE = 4 * 1024 * 1024;


export class AzureBlobStore implements BlobStore {
  private readonly location: AzureLocation;
  private readonly container: ContainerClient;

  constructor(target: StoreTarget) {
    this.location = parseAzureURL(target.destinationPath);
    this.container = containerClient(this.location, target.azure, { retryOptions: { maxTries: 2, tryTimeoutInMs: target.readTimeoutMs ?? 120_000 } });
  }

  describe(): string {
    const { serviceURL, container, prefix } = this.location;
    return `${serviceURL}/${container}/${prefix.replace(/\/$/, '')}`;
  }

  private blob(key: string) {
    checkKey(key);
    return this.container.getBlockBlobClient(`${this.location.prefix}${key}`);
  }

  async put(key: string, body: Buffer | NodeJS.ReadableStream, opts: PutOptions = {}): Promise<void> {
    if (opts.encryption) {
      throw new ObjectStoreError('invalid', `${this.describe()}: Azure Blob Storage encrypts every blob itself; server-side encryption "${opts.encryption}" is an S3 setting`);
    }
    const blob = this.blob(key);
    const tags = opts.tags ? { tags: opts.tags } : {};
    try {
      if (Buffer.isBuffer(body)) {
        await blob.upload(body, body.length, tags);
        return;
      }
      const stream = body instanceof Readable ? body : Readable.from(body);
      await blob.uploadStream(stream, Math.max(MIN_BLOCK_SIZE, opts.partSizeBytes ?? MIN_BLOCK_SIZE), Math.max(1, opts.queueSize ?? 4), tags);
    } catch (err) {
      throw this.mapError(err, `upload ${key}`);
    }
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    try {
      const res = await this.blob(key).download();
      if (!res.readableStreamBody) throw new ObjectStoreError('other', `unexpected response body for ${key}`);
      return res.readableStreamBody;
    } catch (err) {
      throw this.mapError(err, `download ${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.blob(key).getProperties();
      return true;
    } catch (err) {
      const mapped = this.mapError(err, `check ${key}`);
      if (mapped.kind === 'not-found' && !/container/.test(mapped.message)) return false;
      throw mapped;
    }
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    const base = this.location.prefix;
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: `${base}${prefix}` })) {
        out.push({ key: item.name.slice(base.length), size: item.properties.contentLength ?? 0, lastModified: item.properties.lastModified });
      }
    } catch (err) {
      throw this.mapError(err, `list ${prefix}`);
    }
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    // Blob batches need shared-key or Azure AD authorization, not SAS; single deletes work with all.
    const queue = [...keys];
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        try {
          await this.blob(key).deleteIfExists();
        } catch (err) {
          throw this.mapError(err, `delete ${key}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }

  private mapError(err: unknown, action: string): ObjectStoreError {
    if (err instanceof ObjectStoreError) return err;
    const where = this.describe();
    const status = err instanceof RestError ? err.statusCode : undefined;
    const code = (err as { code?: string }).code ?? '';
    const message = (err as { message?: string }).message ?? String(err);
    if (code === 'ContainerNotFound') {
      return new ObjectStoreError('not-found', `cannot ${action}: container "${this.location.container}" does not exist at ${where}`, { cause: err });
    }
    if (status === 404 || code === 'BlobNotFound') return new ObjectStoreError('not-found', `cannot ${action}: no such object in ${where}`, { cause: err });
    if (status === 403 || status === 401) {
      return new ObjectStoreError('access-denied', `cannot ${action}: access denied by ${where} (${code || status}); check the credentials`, { cause: err });
    }
    const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR'];
    if (network.includes(code) || (status !== undefined && status >= 500) || (err as { name?: string }).name === 'AbortError') {
      return new ObjectStoreError('unreachable', `cannot ${action}: ${where} is unreachable (${code || status || 'timeout'})`, { cause: err });
    }
    return new ObjectStoreError('other', `cannot ${action} at ${where}: ${code ? `${code}: ` : ''}${message.split('\n')[0]}`, { cause: err });
  }
}

function containerClient(location: AzureLocation, credentials: AzureCredentials | undefined, pipeline: StoragePipelineOptions): ContainerClient {
  if (!credentials) {
    throw new ObjectStoreError('invalid', `no Azure credentials for ${location.serviceURL}: set azureCredentials`);
  }
  let service: BlobServiceClient;
  if ('connectionString' in credentials) {
    // As barman-cloud does: the connection string names the endpoint and account, the URL the container.
    service = BlobServiceClient.fromConnectionString(credentials.connectionString, pipeline);
  } else if ('storageKey' in credentials) {
    service = new BlobServiceClient(location.serviceURL, new StorageSharedKeyCredential(credentials.storageAccount, credentials.storageKey), pipeline);
  } else if ('storageSasToken' in credentials) {
    service = new BlobServiceClient(`${location.serviceURL}?${credentials.storageSasToken.replace(/^\?/, '')}`, undefined, pipeline);
  } else {
    service = new BlobServiceClient(location.serviceURL, azureIdentityCredential(), pipeline);
  }
  return service.getContainerClient(location.container);
}
