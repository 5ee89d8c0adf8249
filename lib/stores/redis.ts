import type Redis from 'ioredis';
import { TrafficCounter } from '../metrics/traffic';
import type { LoadOrWaitOptions, ObjectStore } from './types';
import { pollLoad } from './wait';

// The storage layer over Redis (ElastiCache for Redis on AWS, redis-server here): one string per
// key, values as Buffers, SCAN for listings. Redis does all of it natively; the only care needed
// is escaping the prefix for SCAN's glob pattern and de-duplicating SCAN's pages.

const DELETE_BATCH = 1000;
const SCAN_COUNT = 1000;

export interface RedisStoreOptions {
  /** Every key expires this long after it was written, so a crashed run leaves nothing behind for ever. */
  ttlSeconds?: number;
  traffic?: TrafficCounter;
}

export class RedisStore implements ObjectStore {
  readonly kind = 'redis' as const;
  private readonly traffic: TrafficCounter;
  private readonly ttlSeconds: number | undefined;

  constructor(private readonly client: Redis, opts: RedisStoreOptions = {}) {
    this.traffic = opts.traffic ?? new TrafficCounter();
    this.ttlSeconds = opts.ttlSeconds;
  }

  async save(key: string, bytes: Uint8Array): Promise<void> {
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.wrap('SET', key, () => (this.ttlSeconds ? this.client.set(key, value, 'EX', this.ttlSeconds) : this.client.set(key, value)));
    this.traffic.wrote('redis', bytes.byteLength);
  }

  async load(key: string): Promise<Buffer | undefined> {
    const value = await this.wrap('GET', key, () => this.client.getBuffer(key));
    if (value === null) {
      this.traffic.request('redis');
      return undefined;
    }
    this.traffic.read('redis', value.byteLength);
    return value;
  }

  loadOrWait(key: string, opts: LoadOrWaitOptions): Promise<Buffer> {
    return pollLoad(key, (k) => this.load(k), opts);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      // UNLINK frees the memory in the background: deleting a 12 MB gradient does not stall Redis.
      await this.wrap('UNLINK', batch[0], () => this.client.unlink(...batch));
      this.traffic.request('redis');
    }
  }

  async list(prefix: string): Promise<string[]> {
    const pattern = `${escapeGlob(prefix)}*`;
    const keys = new Set<string>(); // SCAN may return a key more than once
    let cursor = '0';
    do {
      const [next, page] = await this.wrap('SCAN', prefix, () => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT));
      this.traffic.request('redis');
      for (const key of page) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
    return [...keys].sort();
  }

  async clear(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    await this.delete(keys);
    return keys.length;
  }

  private async wrap<T>(command: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new Error(`Redis ${command} ${key} failed: ${(err as Error).message}`);
    }
  }
}

/** SCAN MATCH treats * ? [ ] and \ as pattern syntax; a prefix must match them literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
