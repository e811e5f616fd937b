// s3:// backend on the AWS SDK. Retries are kept modest (the caller retries with backoff), and
// connection timeouts short, so a dead endpoint fails in seconds rather than minutes.
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checkKey, describeS3, type BlobEntry, type BlobStore, type PutOptions, type StoreTarget } from './blob-store.js';
import { ObjectStoreError } from './errors.js';

const DELETE_BATCH = 1000;
const MIN_PART_SIZE = 5 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string | undefined;

  constructor(target: StoreTarget) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target.destinationPath);
    if (!m?.[1]) throw new ObjectStoreError('invalid', `invalid destinationPath "${target.destinationPath}": use s3://bucket/prefix`);
    this.bucket = m[1];
    const rest = (m[2] ?? '').replace(/\/+$/, '');
    this.prefix = rest ? `${rest}/` : '';
    this.endpoint = target.endpointURL;
    // Without explicit keys (inheritFromIAMRole) the SDK's default chain applies: environment,
    // shared profile, web identity, instance metadata.
    this.client = new S3Client({
      region: target.s3?.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(target.endpointURL ? { endpoint: target.endpointURL, forcePathStyle: true } : {}),
      ...(target.s3
        ? {
            credentials: {
              accessKeyId: target.s3.accessKeyId,
              secretAccessKey: target.s3.secretAccessKey,
              ...(target.s3.sessionToken ? { sessionToken: target.s3.sessionToken } : {}),
            },
          }
        : {}),
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: 3_000,
        requestTimeout: target.readTimeoutMs ?? 120_000,
        ...(target.endpointCA ? { httpsAgent: new HttpsAgent({ ca: target.endpointCA, keepAlive: true }) } : {}),
      },
    });
  }

  describe(): string {
    return describeS3(this.bucket, this.prefix, this.endpoint);
  }

  private objectKey(key: string): string {
    checkKey(key);
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: Buffer | NodeJS.ReadableStream, opts: PutOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    // Sent on PutObject and on CreateMultipartUpload alike (lib-storage copies the params to both).
    const extra = {
      ...(opts.encryption ? { ServerSideEncryption: opts.encryption } : {}),
      ...(opts.tags ? { Tagging: new URLSearchParams(opts.tags).toString() } : {}),
    };
    try {
      if (Buffer.isBuffer(body)) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ...extra }));
        return;
      }
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: body instanceof Readable ? body : Readable.from(body), ...extra },
        queueSize: Math.max(1, opts.queueSize ?? 4),
        partSize: Math.max(MIN_PART_SIZE, opts.partSizeBytes ?? MIN_PART_SIZE),
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      throw this.mapError(err, `upload ${key}`);
    }
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!(res.Body instanceof Readable)) throw new ObjectStoreError('other', `unexpected response body for ${key}`);
      return res.Body;
    } catch (err) {
      throw this.mapError(err, `download ${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      const mapped = this.mapError(err, `check ${key}`);
      if (mapped.kind === 'not-found' && !/bucket/.test(mapped.message)) return false;
      throw mapped;
    }
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: token }),
        );
        for (const o of res.Contents ?? []) {
          if (!o.Key) continue;
          out.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.mapError(err, `list ${prefix}`);
    }
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH).map((k) => ({ Key: this.objectKey(k) }));
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
        );
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const first = failed[0];
          throw new ObjectStoreError(
            first?.Code === 'AccessDenied' ? 'access-denied' : 'other',
            `could not delete ${failed.length} object(s) from ${this.describe()}, first ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
          );
        }
      } catch (err) {
        throw this.mapError(err, `delete ${batch.length} object(s)`);
      }
    }
  }

  private mapError(err: unknown, action: string): ObjectStoreError {
    if (err instanceof ObjectStoreError) return err;
    const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? '';
    const code = e.code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
    const where = this.describe();
    if (name === 'NoSuchBucket') {
      return new ObjectStoreError('not-found', `cannot ${action}: bucket "${this.bucket}" does not exist at ${where}`, { cause: err });
    }
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      return new ObjectStoreError('not-found', `cannot ${action}: no such object in ${where}`, { cause: err });
    }
    if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name)) {
      return new ObjectStoreError('access-denied', `cannot ${action}: access denied by ${where} (${name || status}); check the credentials and bucket policy`, { cause: err });
    }
    const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'];
    if (network.includes(code) || ['TimeoutError', 'RequestTimeout', 'NetworkingError'].includes(name) || (status !== undefined && status >= 500)) {
      return new ObjectStoreError('unreachable', `cannot ${action}: ${where} is unreachable (${code || name || status})`, { cause: err });
    }
    return new ObjectStoreError('other', `cannot ${action} at ${where}: ${name ? `${name}: ` : ''}${e.message ?? String(err)}`, { cause: err });
  }
}
