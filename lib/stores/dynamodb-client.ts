import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let shared: DynamoDBClient | undefined;

/** One DynamoDB client per process, reused across invocations. The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself. */
export function getDynamoClient(env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  shared ??= new DynamoDBClient({ region: env.AWS_REGION ?? 'us-east-1' });
  return shared;
}

/** A client for an explicit endpoint (tests and benchmarks talking to their own dynalite). */
export function createLocalDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}
