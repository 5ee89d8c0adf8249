import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TrafficCounter } from '../metrics/traffic';
import type { LoadOrWaitOptions, ObjectStore } from './types';
import { sleep } from '../util/wait';
import { pollLoad } from './wait';

const DELETE_BATCH = 1000; // DeleteObjects takes at most 1,000 keys
const TORN_READ_ATTEMPTS = 5;

export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly traffic: TrafficCounter = new TrafficCounter(),
  ) {}

  async save(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }));
    this.traffic.wrote('s3', bytes.byteLength);
  }

  /** A conditional PUT (If-None-Match: *): S3 answers 412 when the key exists. */
  async saveIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength, IfNoneMatch: '*' }));
    } catch (err) {
      this.traffic.request('s3');
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) return false;
      throw err;
    }
    this.traffic.wrote('s3', bytes.byteLength);
    return true;
  }

  async load(key: string): Promise<Buffer | undefined> {
    for (let attempt = 1; ; attempt++) {
      const got = await this.getOnce(key);
      if (got === undefined) return undefined;
      // A body shorter than its Content-Length is a torn read (s3rver flushes a PUT's file after
      // publishing it; a network can cut a body): read again rather than return half a tensor.
      if (got.expected === undefined || got.bytes.byteLength === got.expected) return got.bytes;
      if (attempt >= TORN_READ_ATTEMPTS) {
        throw new Error(`S3 object ${key} in ${this.bucket} came back with ${got.bytes.byteLength} of its ${got.expected} bytes ${attempt} times`);
      }
      await sleep(5 * attempt);
    }
  }

  private async getOnce(key: string): Promise<{ bytes: Buffer; expected?: number } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      this.traffic.read('s3', bytes.byteLength);
      return { bytes, expected: out.ContentLength };
    } catch (err) {
      this.traffic.request('s3');
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  loadOrWait(key: string, opts: LoadOrWaitOptions): Promise<Buffer> {
    return pollLoad(key, (k) => this.load(k), opts);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const chunk = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
      }));
      this.traffic.request('s3');
      if (out.Errors?.length) {
        const first = out.Errors[0];
        throw new Error(`S3 could not delete ${out.Errors.length} key(s) in ${this.bucket}, first ${first.Key}: ${first.Message}`);
      }
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      this.traffic.s3Listed();
      for (const obj of page.Contents ?? []) if (obj.Key) keys.push(obj.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async clear(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    await this.delete(keys);
    return keys.length;
  }
}
