import { DYNAMO_CHANNEL_TABLE as T } from '../../../../lib/stores/dynamodb-layout';
import type { ChannelPlan } from './types';

// The dynamodb channel: one on-demand table with the key layout the store uses
// (lib/stores/dynamodb-layout.ts), TTL on, encrypted, and a role that may touch only its items.

export const TABLE_ID = 'ChannelTable';

export function dynamoChannel(): ChannelPlan {
  return {
    resources: {
      [TABLE_ID]: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: T.partitionKey, AttributeType: 'S' },
            { AttributeName: T.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: T.partitionKey, KeyType: 'HASH' },
            { AttributeName: T.sortKey, KeyType: 'RANGE' },
          ],
          // Keys a crashed run leaves behind disappear on their own.
          TimeToLiveSpecification: { AttributeName: T.ttlAttribute, Enabled: true },
          SSESpecification: { SSEEnabled: true },
        },
      },
    },
    environment: { MLTRAIN_DYNAMODB_TABLE: { Ref: TABLE_ID } },
    iamStatements: [{
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:Scan'],
      Resource: { 'Fn::GetAtt': [TABLE_ID, 'Arn'] },
    }],
    outputs: { ChannelTableName: { Description: 'DynamoDB table the gradients travel through', Value: { Ref: TABLE_ID } } },
    needsVpc: false,
  };
}
