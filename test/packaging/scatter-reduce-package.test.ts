import { packageService } from './packaged';

// `serverless package` of services/scatter-reduce for the channels besides s3 (whose row is in
// services.test.ts), offline with no AWS credentials (packaged.ts: each from its own copy of the
// service folder, shared with the other packaging tests).

const CHANNELS = ['redis', 'memcached', 'dynamodb'] as const;
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const templates: Record<string, Resources> = {};

beforeAll(async () => {
  // Shared with template-integrity.test.ts through packaged.ts (each from its own copy of the service folder).
  for (const channel of CHANNELS) templates[channel] = (await packageService('scatter-reduce', [`channel=${channel}`])).template.Resources;
}, 900_000);

const fn = (channel: string, name: string) => templates[channel][`${name}LambdaFunction`].Properties;
const statements = (channel: string) => templates[channel].IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];

test('every channel: the functions know the deployed channel, hold no secret, and are never retried', () => {
  for (const channel of CHANNELS) {
    for (const name of ['Trigger', 'Worker']) {
      expect(fn(channel, name).Environment.Variables).toMatchObject({ MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_CHANNEL: channel });
      expect(JSON.stringify(fn(channel, name).Environment.Variables)).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
    }
    expect(templates[channel].WorkerLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
    expect(JSON.stringify(statements(channel))).not.toContain('"*"');
  }
});

test('dynamodb: the table, its name in every function, IAM on that table only, functions outside the VPC', () => {
  expect(templates.dynamodb.ChannelTable.Type).toBe('AWS::DynamoDB::Table');
  for (const name of ['Trigger', 'Worker']) {
    expect(fn('dynamodb', name).Environment.Variables.MLTRAIN_DYNAMODB_TABLE).toEqual({ Ref: 'ChannelTable' });
    expect(fn('dynamodb', name).VpcConfig).toBeUndefined();
  }
  const dynamo = statements('dynamodb').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
  expect(dynamo.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['ChannelTable', 'Arn'] }]);
});

test('redis and memcached: an ElastiCache node in the mltrain VPC, the functions in it with a Lambda endpoint, the endpoint in their environment', () => {
  expect(templates.redis.ChannelCache.Properties).toMatchObject({ Engine: 'redis', TransitEncryptionEnabled: true });
  expect(templates.memcached.ChannelCache.Properties).toMatchObject({ Engine: 'memcached' });
  expect(templates.memcached.ChannelCacheParameters.Properties.Properties.max_item_size).toBe('134217728');
  for (const channel of ['redis', 'memcached']) {
    const t = templates[channel];
    // The network module's resources, which the cache refers to, are there.
    for (const id of ['MltrainVpc', 'MltrainPrivateSubnetA', 'MltrainPrivateSubnetB', 'MltrainFunctionSecurityGroup', 'MltrainDataSecurityGroup', 'MltrainLambdaEndpoint', 'MltrainS3GatewayEndpoint']) {
      expect(t[id]).toBeDefined();
    }
    expect(t.ChannelCacheIngress.Properties.SourceSecurityGroupId).toEqual({ Ref: 'MltrainFunctionSecurityGroup' });
    for (const name of ['Trigger', 'Worker']) {
      expect(fn(channel, name).VpcConfig.SecurityGroupIds).toEqual([{ Ref: 'MltrainFunctionSecurityGroup' }]);
    }
  }
  expect(JSON.stringify(fn('redis', 'Worker').Environment.Variables.REDIS_URL)).toContain('rediss://');
  expect(JSON.stringify(fn('memcached', 'Worker').Environment.Variables.MEMCACHED_URL)).toContain('ConfigurationEndpoint.Port');
});
