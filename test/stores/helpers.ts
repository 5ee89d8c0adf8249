import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import type * as memjs from 'memjs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamo, startMemcached, startRedis, type RunningServer } from '../../lib/local/servers';
import { startS3Process } from '../../lib/local/servers/s3-process';
import { TrafficCounter } from '../../lib/metrics/traffic';
import { createLocalDynamoClient } from '../../lib/stores/dynamodb-client';
import { DynamoStore } from '../../lib/stores/dynamodb';
import { createChannelTable } from '../../lib/stores/dynamodb-table';
import { createMemcachedClient } from '../../lib/stores/memcached-client';
import { MemcachedStore } from '../../lib/stores/memcached';
import { createRedisClient } from '../../lib/stores/redis-client';
import { RedisStore } from '../../lib/stores/redis';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';
import type { ObjectStore, StoreKind } from '../../lib/stores/types';

// The four real local servers behind the storage layer, each able to hand out any number of
// independent store instances (own client, own connection) that stand in for separate processes.

export const STORE_KINDS: StoreKind[] = ['s3', 'redis', 'memcached', 'dynamodb'];
const BUCKET = 'stores-test';
const TABLE = 'stores-test';

export interface StoreServer {
  kind: StoreKind;
  /** A new store with its own client, as another process would have. */
  open(traffic?: TrafficCounter): ObjectStore;
  stop(): Promise<void>;
}

export async function startStoreServer(kind: StoreKind): Promise<StoreServer> {
  const closers: (() => void)[] = [];
  const afterStop: (() => void)[] = [];
  let server: RunningServer;
  let open: (traffic?: TrafficCounter) => ObjectStore;
  switch (kind) {
    case 's3': {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'stores-s3-'));
      server = await startS3Process({ directory: dir, buckets: [BUCKET] });
      afterStop.push(() => rmSync(dir, { recursive: true, force: true }));
      open = (traffic) => new S3Store(createLocalS3Client(server.endpoint), BUCKET, traffic);
      break;
    }
    case 'redis':
      server = await startRedis();
      open = (traffic) => {
        const client: Redis = createRedisClient(server.endpoint);
        closers.push(() => client.disconnect());
        return new RedisStore(client, { ttlSeconds: 3600, traffic });
      };
      break;
    case 'memcached':
      // ElastiCache's default largest item (1 MB): larger values must go through in parts.
      server = await startMemcached({ maxItemMb: 1 });
      open = (traffic) => {
        const client: memjs.Client = createMemcachedClient(server.endpoint);
        closers.push(() => client.close());
        return new MemcachedStore(client, { ttlSeconds: 3600, traffic });
      };
      break;
    case 'dynamodb': {
      server = await startDynamo();
      const admin: DynamoDBClient = createLocalDynamoClient(server.endpoint);
      await createChannelTable(admin, TABLE);
      closers.push(() => admin.destroy());
      open = (traffic) => {
        const client = createLocalDynamoClient(server.endpoint);
        closers.push(() => client.destroy());
        return new DynamoStore(client, TABLE, { ttlSeconds: 3600, traffic });
      };
      break;
    }
  }
  return {
    kind,
    open: (traffic) => open(traffic),
    stop: async () => {
      for (const close of closers.splice(0)) close();
      await server.stop();
      for (const cleanup of afterStop) cleanup();
    },
  };
}

/** Deterministic pseudo-random bytes (a tensor-like payload that is not all one value). */
export function payload(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
