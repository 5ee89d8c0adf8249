import { ENV } from '../config/env';
import { createLocalDynamoClient } from '../stores/dynamodb-client';
import { createChannelTable } from '../stores/dynamodb-table';
import type { ServerSet } from './servers';

// What the plugin's channels module creates on AWS, created here for the local servers: the
// DynamoDB channel's table in dynalite. Redis and Memcached need nothing beyond their endpoints,
// which the servers already put in the environment (REDIS_URL, MEMCACHED_URL).

export const LOCAL_CHANNEL_TABLE = 'mltrain-local-channel';

/** Prepares the started servers for use as LambdaML channels; returns the environment the functions need. */
export async function prepareLocalChannels(servers: ServerSet): Promise<Record<string, string>> {
  const dynamo = servers.servers.dynamodb;
  if (!dynamo) return {};
  const client = createLocalDynamoClient(dynamo.endpoint);
  try {
    await createChannelTable(client, LOCAL_CHANNEL_TABLE);
  } finally {
    client.destroy();
  }
  return { [ENV.dynamoTable]: LOCAL_CHANNEL_TABLE };
}
