import { ConfigurationError } from '../../lib/config/env';
import { TrafficCounter } from '../../lib/metrics/traffic';
import { createChannelStore, deployedChannel } from '../../lib/stores/create-store';
import { DynamoStore } from '../../lib/stores/dynamodb';
import type { ObjectStore } from '../../lib/stores/types';

// Choosing the channel's store from the environment, and refusing a channel this deployment lacks.

const bucket = { kind: 's3' } as ObjectStore;
const traffic = new TrafficCounter();

test('s3 is the bucket itself; dynamodb reads its table name from the environment', () => {
  expect(createChannelStore('s3', { bucket, traffic, env: {} })).toBe(bucket);
  const store = createChannelStore('dynamodb', { bucket, traffic, env: { MLTRAIN_DYNAMODB_TABLE: 'tbl', AWS_REGION: 'us-east-1' } });
  expect(store).toBeInstanceOf(DynamoStore);
  expect(store.kind).toBe('dynamodb');
});

test('a channel without its endpoint is refused, naming the variable and how to get it', () => {
  const open = (channel: 's3' | 'redis' | 'memcached' | 'dynamodb', env: NodeJS.ProcessEnv) => () => createChannelStore(channel, { bucket, traffic, env });
  expect(open('redis', {})).toThrow(ConfigurationError);
  expect(() => createChannelStore('redis', { bucket, traffic, env: {} })).toThrow(
    'the redis channel needs the environment variable REDIS_URL, which is not set: deploy with --param channel=redis (the plugin then creates the cache and sets it), or run locally with --channel redis',
  );
  expect(open('memcached', {})).toThrow(/MEMCACHED_URL/);
  expect(open('dynamodb', {})).toThrow(/MLTRAIN_DYNAMODB_TABLE.*creates the table/);
  expect(open('s3', {})).not.toThrow();
});

test('the TTL and the deployed channel are checked', () => {
  expect(() => createChannelStore('s3', { bucket, traffic, env: { MLTRAIN_CHANNEL_TTL_SECONDS: '5' } })).toThrow(
    'MLTRAIN_CHANNEL_TTL_SECONDS must be a whole number of seconds from 60 to 2592000 (30 days), got "5"',
  );
  expect(deployedChannel({ MLTRAIN_CHANNEL: 'memcached' })).toBe('memcached');
  expect(deployedChannel({})).toBeUndefined();
  expect(() => deployedChannel({ MLTRAIN_CHANNEL: 'kinesis' })).toThrow('MLTRAIN_CHANNEL is "kinesis"; expected one of s3, redis, memcached, dynamodb');
});
