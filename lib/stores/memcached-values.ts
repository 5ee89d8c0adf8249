import { randomUUID } from 'node:crypto';
import type * as memjs from 'memjs';
import type { TrafficCounter } from '../metrics/traffic';

// How the Memcached store lays a value out, so that any size fits under Memcached's item limit
// (1 MB by default, and on ElastiCache unless its max_item_size is raised) and is never read torn:
//
//   v:<key>                 0x00 + the value                     (values up to MEMCACHED_PART_BYTES)
//   v:<key>                 0x01 + {"version","parts","size"}    (larger values: the "head")
//   p:<version>:<i>         slice i of the value                 (a fresh version per write)
//
// Parts are written first and the head last, so a head only ever names parts that were written.
// A reader follows the head it read; if a part is missing, a writer has replaced (or deleted) the
// value meanwhile: the reader reads the head again, and never joins slices of two values.

/** 1,000 KiB: under the default 1 MiB item with room for the item header and the longest key. */
export const MEMCACHED_PART_BYTES = 1000 * 1024;
const INLINE = 0x00;
const HEAD = 0x01;
const PARALLEL_PARTS = 16;
const TORN_READ_ATTEMPTS = 5;
/** Parts outlive their head by this much, so a head that has not expired never names expired parts. */
const PART_TTL_MARGIN_SECONDS = 60;
const MAX_RELATIVE_TTL = 30 * 24 * 3600;

interface Head {
  version: string;
  parts: number;
  size: number;
}

export class MemcachedValues {
  constructor(
    private readonly client: memjs.Client,
    private readonly ttlSeconds: number,
    private readonly traffic: TrafficCounter,
  ) {}

  /** Writes the value (parts first, then its head) and drops the parts of the value it replaced. */
  async write(valueKey: string, key: string, bytes: Uint8Array): Promise<void> {
    const replaced = await this.readHead(valueKey, key);
    if (bytes.byteLength <= MEMCACHED_PART_BYTES) {
      await this.set(valueKey, key, Buffer.concat([Buffer.of(INLINE), bytes]), this.ttlSeconds);
      this.traffic.wrote('memcached', bytes.byteLength);
    } else {
      const head: Head = { version: randomUUID(), parts: Math.ceil(bytes.byteLength / MEMCACHED_PART_BYTES), size: bytes.byteLength };
      await inBatches(head.parts, async (i) => {
        const slice = bytes.subarray(i * MEMCACHED_PART_BYTES, (i + 1) * MEMCACHED_PART_BYTES);
        await this.set(partKey(head.version, i), key, slice, this.partTtl());
        this.traffic.wrote('memcached', slice.byteLength);
      });
      await this.set(valueKey, key, encodeHead(head), this.ttlSeconds);
      this.traffic.request('memcached');
    }
    if (replaced) await this.deleteParts(replaced, key);
  }

  /** The value, or undefined when there is none. */
  async read(valueKey: string, key: string): Promise<Buffer | undefined> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.get(valueKey, key);
      if (!stored) {
        this.traffic.request('memcached');
        return undefined;
      }
      if (stored[0] === INLINE) {
        this.traffic.read('memcached', stored.length - 1);
        return stored.subarray(1);
      }
      this.traffic.request('memcached');
      const head = decodeHead(stored, key);
      const value = await this.readParts(head, key);
      if (value) return value;
      // A part is gone: the value was replaced or deleted meanwhile, unless its head is still there.
      const now = await this.get(valueKey, key);
      if (now?.equals(stored)) {
        throw new Error(`Memcached value ${key} lost a part (evicted: the cache's memory is too small for what the run keeps in it)`);
      }
      if (attempt >= TORN_READ_ATTEMPTS) throw new Error(`Memcached value ${key} kept changing while it was read (${attempt} attempts)`);
    }
  }

  /** Deletes the value and its parts; a missing value is not an error. */
  async remove(valueKey: string, key: string): Promise<void> {
    const head = await this.readHead(valueKey, key);
    await this.call('DELETE', key, () => this.client.delete(valueKey)); // false when already gone: fine
    this.traffic.request('memcached');
    if (head) await this.deleteParts(head, key);
  }

  /** The head stored under valueKey, if the value there is cut into parts. */
  private async readHead(valueKey: string, key: string): Promise<Head | undefined> {
    const stored = await this.get(valueKey, key);
    this.traffic.request('memcached');
    return stored?.[0] === HEAD ? decodeHead(stored, key) : undefined;
  }

  private async readParts(head: Head, key: string): Promise<Buffer | undefined> {
    const slices: Buffer[] = new Array(head.parts);
    let missing = false;
    await inBatches(head.parts, async (i) => {
      const slice = await this.get(partKey(head.version, i), key);
      if (!slice) missing = true;
      else {
        slices[i] = slice;
        this.traffic.read('memcached', slice.length);
      }
    });
    if (missing) return undefined;
    const value = Buffer.concat(slices, head.size);
    const got = slices.reduce((sum, s) => sum + s.length, 0);
    if (got !== head.size) throw new Error(`Memcached value ${key} has ${got} bytes in its parts, its head says ${head.size}`);
    return value;
  }

  private async deleteParts(head: Head, key: string): Promise<void> {
    await inBatches(head.parts, async (i) => {
      await this.call('DELETE', key, () => this.client.delete(partKey(head.version, i)));
      this.traffic.request('memcached');
    });
  }

  private partTtl(): number {
    return this.ttlSeconds === 0 ? 0 : Math.min(MAX_RELATIVE_TTL, this.ttlSeconds + PART_TTL_MARGIN_SECONDS);
  }

  private async get(memcachedKey: string, key: string): Promise<Buffer | null> {
    return (await this.call('GET', key, () => this.client.get(memcachedKey))).value;
  }

  private async set(memcachedKey: string, key: string, value: Buffer | Uint8Array, expires: number): Promise<void> {
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    try {
      await this.client.set(memcachedKey, buffer, { expires });
    } catch (err) {
      const message = (err as Error).message;
      const hint = /too large/i.test(message)
        ? ` (an item of ${buffer.byteLength} bytes is more than the server's largest item: values are cut into parts of ${MEMCACHED_PART_BYTES} bytes, so the item size, memcached's -I or ElastiCache's max_item_size, must be at least 1 MB, the default)`
        : '';
      throw new Error(`Memcached SET ${key} failed: ${message}${hint}`);
    }
  }

  private async call<T>(command: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new Error(`Memcached ${command} ${key} failed: ${(err as Error).message}`);
    }
  }
}

function partKey(version: string, index: number): string {
  return `p:${version}:${index}`;
}

function encodeHead(head: Head): Buffer {
  return Buffer.concat([Buffer.of(HEAD), Buffer.from(JSON.stringify(head), 'utf8')]);
}

function decodeHead(stored: Buffer, key: string): Head {
  let head: Partial<Head>;
  try {
    head = stored[0] === HEAD ? JSON.parse(stored.subarray(1).toString('utf8')) as Partial<Head> : {};
  } catch {
    head = {};
  }
  if (typeof head.version !== 'string' || !Number.isInteger(head.parts) || !Number.isInteger(head.size) || head.parts! < 1) {
    throw new Error(`Memcached value ${key} is neither a value nor a head of parts written by this store (first byte ${stored[0]})`);
  }
  return head as Head;
}

/** Runs task(0..count-1), at most PARALLEL_PARTS at a time. */
async function inBatches(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, runner));
}
