import type Redis from 'ioredis';
import type { ClaimLedger } from '../functions/idempotency';

// Step claims in the Redis the step writes to: SET NX is the atomic claim, and a step may add its
// result record to the MULTI that applies its effect, so the two land together or not at all.

const RELEASE_IF_MINE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export class RedisClaimLedger implements ClaimLedger {
  constructor(private readonly redis: Redis) {}

  async claim(key: string, token: string, inProgressMs: number): Promise<boolean> {
    return (await this.redis.set(key, token, 'PX', inProgressMs, 'NX')) === 'OK';
  }

  async read(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  async record(key: string, result: string, keepSeconds: number): Promise<void> {
    await this.redis.set(key, result, 'EX', keepSeconds);
  }

  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_MINE, 1, key, token);
  }
}
