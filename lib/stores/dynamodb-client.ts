import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMO_CHANNEL_ROLE, nameSdkFailures } from './sdk-failures';

// DynamoDB serves as a LambdaML channel only: its clients' failures name that role.
const ROLE = 'the dynamodb channel';

let shared: DynamoDBClient | undefined;

/** One DynamoDB client per process, reused across invocations. The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself. */
export function getDynamoClient(env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  shared ??= nameSdkFailures(new DynamoDBClient({ region: env.AWS_REGION ?? 'us-east-1' }), ROLE, DYNAMO_CHANNEL_ROLE);
  return shared;
}

/** A client for an explicit endpoint (tests and benchmarks talking to their own dynalite). */
export function createLocalDynamoClient(endpoint: string): DynamoDBClient {
  return nameSdkFailures(new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), ROLE, DYNAMO_CHANNEL_ROLE);
}
