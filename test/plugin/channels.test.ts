import { applyChannelPlan, channelNetwork, planChannel } from '../../plugins/mltrain/src/channels';
import { channelStoreAtLoad } from '../../plugins/mltrain/src/channels/early-store';

// The AWS resources the plugin declares for each --param channel=..., on their own (the packaging
// test checks them in a real `sls package`).

test('s3 needs nothing beyond the service bucket', () => {
  expect(planChannel({ store: 's3' })).toEqual({ resources: {}, environment: {}, iamStatements: [], outputs: {}, needsVpc: false });
});

test('dynamodb: an on-demand table with the store\'s key layout and TTL, and IAM limited to it', () => {
  const plan = planChannel({ store: 'dynamodb' });
  const table = plan.resources.ChannelTable.Properties;
  expect(plan.resources.ChannelTable.Type).toBe('AWS::DynamoDB::Table');
  expect(table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
  expect(table.BillingMode).toBe('PAY_PER_REQUEST');
  expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  expect(plan.environment).toEqual({ MLTRAIN_DYNAMODB_TABLE: { Ref: 'ChannelTable' } });
  expect(plan.iamStatements).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': ['ChannelTable', 'Arn'] } })]);
  expect(plan.iamStatements[0].Action).not.toContain('dynamodb:*');
  expect(plan.needsVpc).toBe(false);
});

test('redis: a TLS ElastiCache node in the private subnets, reachable only from the functions', () => {
  const plan = planChannel({ store: 'redis', cacheNodeType: 'cache.r7g.large' });
  const cache = plan.resources.ChannelCache.Properties;
  expect(cache).toMatchObject({ Engine: 'redis', CacheNodeType: 'cache.r7g.large', TransitEncryptionEnabled: true, VpcSecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }] });
  expect(plan.resources.ChannelCacheSubnetGroup.Properties.SubnetIds).toEqual([{ Ref: 'MltrainPrivateSubnetA' }, { Ref: 'MltrainPrivateSubnetB' }]);
  expect(plan.resources.ChannelCacheIngress.Properties).toMatchObject({
    GroupId: { Ref: 'MltrainDataSecurityGroup' }, SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' }, FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp',
  });
  expect(plan.environment.REDIS_URL).toEqual({ 'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': ['ChannelCache', 'RedisEndpoint.Address'] }, ':', { 'Fn::GetAtt': ['ChannelCache', 'RedisEndpoint.Port'] }]] });
  expect(plan.iamStatements).toEqual([]);
  expect(plan.needsVpc).toBe(true);
});

test('memcached: 128 MB items (as memcached -I 128m here), port 11211', () => {
  const plan = planChannel({ store: 'memcached' });
  expect(plan.resources.ChannelCache.Properties).toMatchObject({ Engine: 'memcached', CacheNodeType: 'cache.t4g.medium', CacheParameterGroupName: { Ref: 'ChannelCacheParameters' } });
  expect(plan.resources.ChannelCacheParameters.Properties).toMatchObject({ CacheParameterGroupFamily: 'memcached1.6', Properties: { max_item_size: '134217728' } });
  expect(plan.resources.ChannelCacheIngress.Properties.FromPort).toBe(11211);
  expect(JSON.stringify(plan.environment.MEMCACHED_URL)).toContain('ConfigurationEndpoint.Address');
});

test('an unknown channel is refused naming the setting', () => {
  expect(() => planChannel({ store: 'kinesis' as 's3' })).toThrow('custom.mltrain.channel.store is "kinesis"; expected one of s3, redis, memcached, dynamodb (sls deploy --param channel=...)');
});

test('the plan lands in the compiled template: resources, every function\'s environment, the role', () => {
  const template = {
    Resources: {
      WorkerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { MLTRAIN_BUCKET: 'b' } } } },
      TriggerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      IamRoleLambdaExecution: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow' }] } }] } },
    } as Record<string, { Type: string; Properties: Record<string, any> }>,
  };
  applyChannelPlan(template, planChannel({ store: 'dynamodb' }), ['WorkerLambdaFunction', 'TriggerLambdaFunction']);
  expect(template.Resources.ChannelTable.Type).toBe('AWS::DynamoDB::Table');
  expect(template.Resources.WorkerLambdaFunction.Properties.Environment.Variables).toEqual({ MLTRAIN_BUCKET: 'b', MLTRAIN_DYNAMODB_TABLE: { Ref: 'ChannelTable' } });
  expect(template.Resources.TriggerLambdaFunction.Properties.Environment.Variables.MLTRAIN_DYNAMODB_TABLE).toEqual({ Ref: 'ChannelTable' });
  expect(template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement).toHaveLength(2);
  expect(() => applyChannelPlan(template, planChannel({ store: 'dynamodb' }), [])).toThrow('the channel\'s resource ChannelTable clashes with one already in the template');
});

test('while the plugin loads, the channel is read as ${param:channel} will resolve it', () => {
  const configured = "${param:channel, 's3'}";
  expect(channelStoreAtLoad({ configured })).toBe('s3');
  expect(channelStoreAtLoad({ configured, cliParams: ['other=1', 'channel=redis'] })).toBe('redis');
  expect(channelStoreAtLoad({ configured, stage: 'prod', params: { prod: { channel: 'memcached' }, default: { channel: 'dynamodb' } } })).toBe('memcached');
  expect(channelStoreAtLoad({ configured, stage: 'dev', params: { default: { channel: 'dynamodb' } } })).toBe('dynamodb');
  expect(channelStoreAtLoad({ configured: 'redis' })).toBe('redis');
  expect(channelStoreAtLoad({ configured: undefined })).toBeUndefined();
});

test('a cache channel puts the functions in the VPC with the Lambda endpoint they invoke each other through', () => {
  expect(channelNetwork('redis', undefined)).toEqual({ interfaceEndpoints: ['lambda'] });
  expect(channelNetwork('memcached', true)).toEqual({ interfaceEndpoints: ['lambda'] });
  expect(channelNetwork('redis', { interfaceEndpoints: ['sqs'], cidr: '10.7.0.0/16' })).toEqual({ interfaceEndpoints: ['sqs', 'lambda'], cidr: '10.7.0.0/16' });
  expect(channelNetwork('redis', { interfaceEndpoints: ['lambda'] })).toBeUndefined(); // already there
  expect(channelNetwork('dynamodb', undefined)).toBeUndefined(); // a gateway endpoint's business, outside the VPC otherwise
  expect(channelNetwork('s3', undefined)).toBeUndefined();
});
