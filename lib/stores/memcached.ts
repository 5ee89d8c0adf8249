import type * as memjs from 'memjs';
import { TrafficCounter } from '../metrics/traffic';
import { dirOf, indexKeyOf, MemcachedKeyIndex } from './memcached-index';
import { MemcachedValues } from './memcached-values';
import type { LoadOrWaitOptions, ObjectStore } from './types';
import { pollLoad } from './wait';

// The storage layer over Memcached (ElastiCache for Memcached on AWS, Debian memcached here).
// Values live under "v:<key>", those above Memcached's default 1 MB item cut into parts that are
// never read torn (memcached-values.ts); since Memcached cannot list keys, every save and delete
// also appends to a per-directory index (memcached-index.ts).

const VALUE_PREFIX = 'v:';
const MAX_KEY_BYTES = 250;
const PARALLEL_DELETES = 64;
/** Memcached reads a relative expiry above 30 days as a Unix time. */
const MAX_RELATIVE_TTL = 30 * 24 * 3600;

export interface MemcachedStoreOptions {
  /** Values and indexes expire this long after they were written (at most 30 days). */
  ttlSeconds?: number;
  traffic?: TrafficCounter;
}

export class MemcachedStore implements ObjectStore {
  readonly kind = 'memcached' as const;
  private readonly traffic: TrafficCounter;
  private readonly ttlSeconds: number;
  private readonly index: MemcachedKeyIndex;
  private readonly values: MemcachedValues;

  constructor(client: memjs.Client, opts: MemcachedStoreOptions = {}) {
    this.traffic = opts.traffic ?? new TrafficCounter();
    this.ttlSeconds = opts.ttlSeconds ?? 0;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 0 || this.ttlSeconds > MAX_RELATIVE_TTL) {
      throw new Error(`Memcached ttlSeconds must be a whole number from 0 (never) to ${MAX_RELATIVE_TTL} (30 days), got ${opts.ttlSeconds}`);
    }
    this.index = new MemcachedKeyIndex(client, this.ttlSeconds, this.traffic);
    this.values = new MemcachedValues(client, this.ttlSeconds, this.traffic);
  }

  async save(key: string, bytes: Uint8Array): Promise<void> {
    await this.values.write(checkedValueKey(key), key, bytes);
    // The value first: a key the index names has been written (a crash in between leaves a value
    // that expires with the TTL, never an index entry without a value behind it).
    await this.index.added(key);
  }

  load(key: string): Promise<Buffer | undefined> {
    return this.values.read(checkedValueKey(key), key);
  }

  loadOrWait(key: string, opts: LoadOrWaitOptions): Promise<Buffer> {
    return pollLoad(key, (k) => this.load(k), opts);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += PARALLEL_DELETES) {
      const batch = keys.slice(i, i + PARALLEL_DELETES);
      await Promise.all(batch.map((key) => this.values.remove(checkedValueKey(key), key)));
      await this.index.removed(batch);
    }
  }

  list(prefix: string): Promise<string[]> {
    checkKeyText(indexKeyOf(dirOf(prefix)), prefix);
    return this.index.list(prefix);
  }

  async clear(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    await this.delete(keys);
    return keys.length;
  }
}

function checkedValueKey(key: string): string {
  const valueKey = VALUE_PREFIX + key;
  checkKeyText(valueKey, key);
  checkKeyText(indexKeyOf(dirOf(key)), key);
  return valueKey;
}

/** Memcached keys are at most 250 bytes, without spaces or control characters. */
function checkKeyText(memcachedKey: string, key: string): void {
  const bytes = Buffer.byteLength(memcachedKey, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new Error(`key "${key}" is too long for Memcached: it needs a ${bytes}-byte Memcached key, the limit is ${MAX_KEY_BYTES}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(memcachedKey)) {
    throw new Error(`key "${key}" cannot be stored in Memcached: keys may not contain spaces or control characters`);
  }
}
