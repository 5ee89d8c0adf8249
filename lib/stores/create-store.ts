import { ConfigurationError, ENV } from '../config/env';
import type { TrafficCounter } from '../metrics/traffic';
import { getDynamoClient } from './dynamodb-client';
import { DynamoStore } from './dynamodb';
import { getMemcachedClient } from './memcached-client';
import { MemcachedStore } from './memcached';
import { getRedisClient } from './redis-client';
import { RedisStore } from './redis';
import type { ObjectStore, StoreKind } from './types';

type Channel = StoreKind;

// The store a LambdaML collective exchanges its gradients through (`--channel`). The run's own
// state (dataset, checkpoints, reports) stays in the service's bucket; only synchronisation keys
// travel through the channel. Endpoints and names come from the environment: serverless.yml and
// the plugin set them on AWS, the local runtime sets the same names for its servers.

export const DEFAULT_CHANNEL_TTL_SECONDS = 2 * 24 * 3600;

export interface ChannelStoreInputs {
  /** The service's bucket: the s3 channel is the bucket itself. */
  bucket: ObjectStore;
  traffic: TrafficCounter;
  env?: NodeJS.ProcessEnv;
}

export function createChannelStore(channel: Channel, inputs: ChannelStoreInputs): ObjectStore {
  const env = inputs.env ?? process.env;
  const ttlSeconds = channelTtlSeconds(env);
  const { traffic } = inputs;
  switch (channel) {
    case 's3':
      return inputs.bucket;
    case 'redis':
      return new RedisStore(getRedisClient(channelEnv(env, ENV.redisUrl, channel)), { ttlSeconds, traffic });
    case 'memcached':
      return new MemcachedStore(getMemcachedClient(channelEnv(env, ENV.memcachedUrl, channel)), { ttlSeconds, traffic });
    case 'dynamodb':
      return new DynamoStore(getDynamoClient(env), channelEnv(env, ENV.dynamoTable, channel), { ttlSeconds, traffic });
    default:
      throw new ConfigurationError(`unknown channel "${channel as string}"; expected s3, redis, memcached or dynamodb`);
  }
}

function channelEnv(env: NodeJS.ProcessEnv, name: string, channel: Channel): string {
  const value = env[name];
  if (!value) {
    throw new ConfigurationError(
      `the ${channel} channel needs the environment variable ${name}, which is not set: deploy with --param channel=${channel}`
      + ` (the plugin then creates the ${channel === 'dynamodb' ? 'table' : 'cache'} and sets it), or run locally with --channel ${channel}`,
    );
  }
  return value;
}

function channelTtlSeconds(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV.channelTtlSeconds];
  if (raw === undefined || raw === '') return DEFAULT_CHANNEL_TTL_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > 30 * 24 * 3600) {
    throw new ConfigurationError(`${ENV.channelTtlSeconds} must be a whole number of seconds from 60 to 2592000 (30 days), got "${raw}"`);
  }
  return seconds;
}

const CHANNELS: readonly Channel[] = ['s3', 'redis', 'memcached', 'dynamodb'];

/** The channel the stack was deployed for (MLTRAIN_CHANNEL), if the environment names one. */
export function deployedChannel(env: NodeJS.ProcessEnv = process.env): Channel | undefined {
  const value = env[ENV.channel];
  if (value === undefined || value === '') return undefined;
  if (!(CHANNELS as readonly string[]).includes(value)) {
    throw new ConfigurationError(`${ENV.channel} is "${value}"; expected one of ${CHANNELS.join(', ')}`);
  }
  return value as Channel;
}
