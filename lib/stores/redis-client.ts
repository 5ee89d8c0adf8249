import Redis from 'ioredis';
import { nameRedisFailures, redisEndpoint } from './redis-failures';

// One ioredis connection per process, reused across invocations (like the AWS SDK clients).

let shared: { url: string; client: Redis } | undefined;

/** A connection to redis:// or rediss:// (TLS, as ElastiCache in transit encryption needs); its failures name the channel. */
export function createRedisClient(url: string): Redis {
  const client = new Redis(url, {
    // Fail a command after a few reconnection attempts instead of queueing it for ever.
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
  });
  return nameRedisFailures(client, `the redis channel (${redisEndpoint(client)})`);
}

export function getRedisClient(url: string): Redis {
  if (shared?.url !== url) {
    shared?.client.disconnect();
    shared = { url, client: createRedisClient(url) };
  }
  return shared.client;
}
