import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMO_CHANNEL_TABLE as T } from './dynamodb-layout';

/**
 * Creates the DynamoDB channel's table unless it exists: what CloudFormation does on AWS (the
 * plugin's channels module, with TTL on), done here for dynalite, tests and benchmarks.
 */
export async function createChannelTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: T.partitionKey, AttributeType: 'S' }, { AttributeName: T.sortKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: T.partitionKey, KeyType: 'HASH' }, { AttributeName: T.sortKey, KeyType: 'RANGE' }],
    }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
}
