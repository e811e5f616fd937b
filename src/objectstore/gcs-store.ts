// Google Cloud Storage backend on its JSON API over fetch: the four calls a store needs do not
// justify Google's SDK and its dependency tree. Objects are written in barman-cloud's layout, with
// tags as object metadata (as barman-cloud does). The endpoint is endpointURL, else
// STORAGE_EMULATOR_HOST (what Google's clients read for an emulator), else Google's.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { checkKey, type BlobEntry, type BlobStore, type GoogleCredentials, type PutOptions, type StoreTarget } from './blob-store.js';
import { ObjectStoreError } from './errors.js';
import { describeGcs, gcsEndpoint, parseGcsURL } from './gcs-url.js';
import { metadataServerToken, parseServiceAccountKey, serviceAccountToken, type GoogleToken } from './google-auth.js';

// Resumable uploads send chunks in multiples of 256 KiB.
const CHUNK = 32 * 256 * 1024;
const DELETE_CONCURRENCY = 8;

export class GcsBlobStore implements BlobStore {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly base: string;
  private readonly credentials: GoogleCredentials | undefined;
  private token?: GoogleToken;
  private readonly timeoutMs: number;

  constructor(target: StoreTarget) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseGcsURL(target.destinationPath));
    this.base = gcsEndpoint(target.endpointURL);
    this.credentials = target.google;
    this.timeoutMs = target.readTimeoutMs ?? 120_000;
  }

  describe(): string {
    return describeGcs(this.bucket, this.prefix, this.base);
  }

  private name(key: string): string {
    checkKey(key);
    return `${this.prefix}${key}`;
  }

  private objectURL(key: string): string {
    return `${this.base}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(this.name(key))}`;
  }

  private async headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    if (!this.credentials) return extra;
    if (!this.token || this.token.expiresAt - 60_000 < Date.now()) {
      this.token = 'applicationCredentials' in this.credentials
        ? await serviceAccountToken(parseServiceAccountKey(this.credentials.applicationCredentials))
        : await metadataServerToken();
    }
    return { ...extra, Authorization: `Bearer ${this.token.token}` };
  }

  private async call(url: string, init: RequestInit, action: string, ok: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), ...init, headers: await this.headers(init.headers as Record<string, string> | undefined) });
    } catch (err) {
      if (err instanceof ObjectStoreError) throw err;
      throw new ObjectStoreError('unreachable', `cannot ${action}: ${this.describe()} is unreachable (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`, { cause: err });
    }
    if (ok(res.status)) return res;
    const text = (await res.text()).slice(0, 300);
    if (res.status === 404) {
      const bucket = /bucket/i.test(text) && !/object/i.test(text);
      throw new ObjectStoreError('not-found', bucket ? `cannot ${action}: bucket "${this.bucket}" does not exist at ${this.describe()}` : `cannot ${action}: no such object in ${this.describe()}`);
    }
    if (res.status === 401 || res.status === 403) throw new ObjectStoreError('access-denied', `cannot ${action}: access denied by ${this.describe()} (HTTP ${res.status}); check the credentials`);
    if (res.status >= 500 || res.status === 429) throw new ObjectStoreError('unreachable', `cannot ${action}: ${this.describe()} answered HTTP ${res.status}`);
    throw new ObjectStoreError('other', `cannot ${action} at ${this.describe()}: HTTP ${res.status} ${text.split('\n')[0]}`);
  }

  async put(key: string, body: Buffer | NodeJS.ReadableStream, opts: PutOptions = {}): Promise<void> {
    if (opts.encryption) {
      throw new ObjectStoreError('invalid', `${this.describe()}: Google Cloud Storage encrypts every object itself; server-side encryption "${opts.encryption}" is an S3 setting`);
    }
    const resource = JSON.stringify({ name: this.name(key), ...(opts.tags ? { metadata: opts.tags } : {}) });
    const uploads = `${this.base}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o`;
    if (Buffer.isBuffer(body)) {
      const boundary = `cnpg${randomBytes(12).toString('hex')}`;
      const multipart = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${resource}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
        body,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await this.call(`${uploads}?uploadType=multipart`, { method: 'POST', headers: { 'Content-Type': `multipart/related; boundary=${boundary}` }, body: multipart }, `upload ${key}`);
      await res.arrayBuffer();
      return;
    }
    const started = await this.call(`${uploads}?uploadType=resumable`, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=UTF-8' }, body: resource }, `upload ${key}`);
    await started.arrayBuffer();
    const session = started.headers.get('location');
    if (!session) throw new ObjectStoreError('other', `cannot upload ${key}: ${this.describe()} opened no resumable upload session`);
    await this.sendChunks(session, body, key);
  }

  /** One chunk at a time; only the last names the total size, which is when the object appears. */
  private async sendChunks(session: string, body: NodeJS.ReadableStream, key: string): Promise<void> {
    let pending: Buffer<ArrayBuffer>[] = [];
    let pendingBytes = 0;
    let offset = 0;
    const send = async (chunk: Buffer<ArrayBuffer>, final: boolean): Promise<void> => {
      const range = chunk.length === 0 ? `bytes */${offset}` : `bytes ${offset}-${offset + chunk.length - 1}/${final ? offset + chunk.length : '*'}`;
      const res = await this.call(session, { method: 'PUT', headers: { 'Content-Range': range }, body: chunk }, `upload ${key}`, (s) => (final ? s === 200 || s === 201 : s === 308));
      await res.arrayBuffer();
      offset += chunk.length;
    };
    for await (const data of body as AsyncIterable<Buffer | string>) {
      const buf = Buffer.from(data);
      pending.push(buf);
      pendingBytes += buf.length;
      // Strictly more than a chunk: what is left may be the last chunk, sent with the total.
      while (pendingBytes > CHUNK) {
        const all = Buffer.concat(pending);
        await send(Buffer.from(all.buffer, all.byteOffset, CHUNK), false);
        pending = [Buffer.from(all.buffer, all.byteOffset + CHUNK, all.length - CHUNK)];
        pendingBytes = all.length - CHUNK;
      }
    }
    await send(Buffer.concat(pending), true);
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    const res = await this.call(`${this.objectURL(key)}?alt=media`, {}, `download ${key}`);
    if (!res.body) throw new ObjectStoreError('other', `unexpected response body for ${key}`);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await (await this.call(this.objectURL(key), {}, `check ${key}`)).arrayBuffer();
      return true;
    } catch (err) {
      if (err instanceof ObjectStoreError && err.kind === 'not-found' && !/bucket "/.test(err.message)) return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ prefix: `${this.prefix}${prefix}`, fields: 'items(name,size,updated),nextPageToken', ...(pageToken ? { pageToken } : {}) });
      const res = await this.call(`${this.base}/storage/v1/b/${encodeURIComponent(this.bucket)}/o?${query}`, {}, `list ${prefix}`);
      const page = (await res.json()) as { items?: { name: string; size?: string; updated?: string }[]; nextPageToken?: string };
      for (const item of page.items ?? []) {
        out.push({ key: item.name.slice(this.prefix.length), size: Number(item.size ?? 0), lastModified: new Date(item.updated ?? 0) });
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    const queue = [...keys];
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const res = await this.call(this.objectURL(key), { method: 'DELETE' }, `delete ${key}`, (s) => (s >= 200 && s < 300) || s === 404);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }
}
