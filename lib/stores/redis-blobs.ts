import Redis from 'ioredis';
import type { TrafficCounter } from '../metrics/traffic';
import { nameRedisFailures, redisEndpoint } from './redis-failures';

// Byte values by key in a plain Redis (ElastiCache on AWS, redis-server locally), with every
// request and byte counted. MLLESS keeps its sparse updates here; a small lease (set-if-absent,
// renew and release by owner) lets one run at a time own a deployment's queues.

let shared: { url: string; client: Redis } | undefined;

/** One connection per process, reused across invocations; every connect and request is bounded. */
export function getRedisClient(url: string): Redis {
  // A connection that gave up (status 'end') stays given up: a warm sandbox's next invocation needs a new one.
  if (shared?.url === url && shared.client.status !== 'end') return shared.client;
  const client = new Redis(url, {
    connectTimeout: 5000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => (attempt > 5 ? null : Math.min(100 * 2 ** attempt, 2000)),
  });
  nameRedisFailures(client, `MLLESS's update store (${redisEndpoint(client)})`);
  shared = { url, client };
  return client;
}

/** Closes the shared connection (tests, and a process that is about to exit). */
export async function closeRedisClient(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.client.quit().catch(() => current.client.disconnect());
}

// Renews the lease when `owner` holds it, or takes it back when it lapsed; 0 when another owns it.
const RENEW = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisBlobs {
  readonly kind = 'redis' as const;

  constructor(private readonly redis: Redis, private readonly traffic?: TrafficCounter) {}

  /** Stores bytes under key, expiring after ttlMs (a safety net: owners delete what they use). */
  async put(key: string, bytes: Uint8Array, ttlMs: number): Promise<void> {
    await this.redis.set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'PX', Math.ceil(ttlMs));
    this.traffic?.wrote('redis', bytes.byteLength);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const value = await this.redis.getBuffer(key);
    this.traffic?.read('redis', value?.byteLength ?? 0);
    return value ?? undefined;
  }

  /** Several values in one request (MGET), in the order of `keys`; undefined where a key is missing. */
  async getMany(keys: string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mgetBuffer(...keys);
    this.traffic?.read('redis', values.reduce((sum, v) => sum + (v?.byteLength ?? 0), 0));
    return values.map((v) => v ?? undefined);
  }

  /** Deletes keys (one request); returns how many existed. */
  async delete(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const removed = await this.redis.del(...keys);
    this.traffic?.request('redis');
    return removed;
  }

  /** Deletes every key starting with prefix (SCAN, so Redis is never blocked); returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      this.traffic?.request('redis');
      removed += await this.delete(keys);
      cursor = next;
    } while (cursor !== '0');
    return removed;
  }

  /** Takes the lease when nobody holds it; returns who holds it after the call. */
  async claim(key: string, owner: string, ttlMs: number): Promise<{ acquired: boolean; holder: string }> {
    const set = await this.redis.set(key, owner, 'PX', Math.ceil(ttlMs), 'NX');
    this.traffic?.request('redis');
    if (set === 'OK') return { acquired: true, holder: owner };
    const holder = (await this.redis.get(key)) ?? '(expired)';
    this.traffic?.request('redis');
    return { acquired: holder === owner, holder };
  }

  /** Extends the owner's lease (or retakes a lapsed one); false when someone else holds it. */
  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(RENEW, 1, key, owner, String(Math.ceil(ttlMs)));
    this.traffic?.request('redis');
    return Number(result) === 1;
  }

  /** Drops the lease if `owner` holds it. */
  async release(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key, owner);
    this.traffic?.request('redis');
  }
}
