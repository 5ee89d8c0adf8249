import { addGeneratedConfiguration, type CompilingServerless } from '../../plugins/mltrain/src/compile-generated';
import { generatedConfiguration } from '../../plugins/mltrain/src/generated';
import { mllessConfiguration, MAX_DEPLOYED_WORKERS } from '../../plugins/mltrain/src/mlless/resources';

// What the plugin generates for MLLESS from custom.mltrain.mlless, and how it joins the template.

const ctx = { service: 'mltrain-mlless', stage: 'dev' };

test('one queue per worker plus the supervisor queue, named by service and stage', () => {
  const { resources } = mllessConfiguration({ workers: 3 }, ctx);
  const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  expect(queues.map(([id, r]) => [id, r.Properties!.QueueName])).toEqual([
    ['MllessSupervisorQueue', 'mltrain-mlless-dev-supervisor'],
    ['MllessWorkerQueue0', 'mltrain-mlless-dev-worker-0'],
    ['MllessWorkerQueue1', 'mltrain-mlless-dev-worker-1'],
    ['MllessWorkerQueue2', 'mltrain-mlless-dev-worker-2'],
  ]);
  for (const [, q] of queues) expect(q.Properties).toMatchObject({ VisibilityTimeout: 60, SqsManagedSseEnabled: true });
});

test('a Redis in the private subnets that only the functions can reach', () => {
  const { resources } = mllessConfiguration({ workers: 1, redisNodeType: 'cache.t4g.small' }, ctx);
  expect(resources.MllessRedis).toEqual({
    Type: 'AWS::ElastiCache::CacheCluster',
    Properties: expect.objectContaining({
      Engine: 'redis', CacheNodeType: 'cache.t4g.small', NumCacheNodes: 1, Port: 6379,
      CacheSubnetGroupName: { Ref: 'MllessRedisSubnetGroup' }, VpcSecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }],
    }),
  });
  expect(resources.MllessRedisSubnetGroup.Properties!.SubnetIds).toEqual([{ Ref: 'MltrainPrivateSubnetA' }, { Ref: 'MltrainPrivateSubnetB' }]);
  expect(resources.MllessRedisIngress.Properties).toMatchObject({
    GroupId: { Ref: 'MltrainDataSecurityGroup' }, SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' }, IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379,
  });
});

test('the functions get the queue URLs and the Redis address as references', () => {
  const { environment } = mllessConfiguration({ workers: '2' }, ctx); // --param values arrive as strings
  expect(environment).toEqual({
    MLLESS_SUPERVISOR_QUEUE_URL: { Ref: 'MllessSupervisorQueue' },
    MLLESS_WORKER_QUEUE_URLS: { 'Fn::Join': [',', [{ Ref: 'MllessWorkerQueue0' }, { Ref: 'MllessWorkerQueue1' }]] },
    MLLESS_REDIS_URL: { 'Fn::Join': ['', ['redis://', { 'Fn::GetAtt': ['MllessRedis', 'RedisEndpoint.Address'] }, ':', { 'Fn::GetAtt': ['MllessRedis', 'RedisEndpoint.Port'] }]] },
  });
});

test('a bad worker count or an over-long queue name is refused, naming the setting', () => {
  for (const workers of [0, MAX_DEPLOYED_WORKERS + 1, 'four', 2.5]) {
    expect(() => mllessConfiguration({ workers }, ctx)).toThrow(`custom.mltrain.mlless.workers must be a whole number from 1 to ${MAX_DEPLOYED_WORKERS}`);
  }
  expect(() => mllessConfiguration({ workers: 1 }, { service: 'x'.repeat(70), stage: 'dev' })).toThrow(/is not a valid SQS name .* shorten the service or stage name/);
});

test('services without the feature get nothing', () => {
  expect(generatedConfiguration({ framework: 'allreduce' }, ctx)).toEqual({ resources: {}, environment: {} });
});

function fakeServerless(functions: string[], extra: Record<string, unknown> = {}): CompilingServerless {
  const Resources = { ...extra } as Record<string, { Type: string; Properties?: Record<string, any> }>;
  for (const key of functions) {
    Resources[`${key[0].toUpperCase()}${key.slice(1)}LambdaFunction`] = { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { MLTRAIN_BUCKET: 'b' } } } };
  }
  return {
    service: { service: 'mltrain-mlless', custom: { mltrain: { framework: 'mlless', mlless: { workers: 2 } } }, functions: Object.fromEntries(functions.map((f) => [f, {}])), provider: { compiledCloudFormationTemplate: { Resources } } },
    getProvider: () => ({ getStage: () => 'dev', naming: { getLambdaLogicalId: (name: string) => `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction` } }),
  };
}

test('at package time the resources join the template and the variables every function', () => {
  const sls = fakeServerless(['trigger', 'worker']);
  expect(addGeneratedConfiguration(sls)).toEqual({ resources: 6, variables: 3 });
  const template = sls.service.provider.compiledCloudFormationTemplate.Resources;
  expect(Object.keys(template)).toEqual(expect.arrayContaining(['MllessWorkerQueue1', 'MllessRedis']));
  expect(template.WorkerLambdaFunction.Properties!.Environment.Variables).toMatchObject({ MLTRAIN_BUCKET: 'b', MLLESS_SUPERVISOR_QUEUE_URL: { Ref: 'MllessSupervisorQueue' } });
  expect(template.TriggerLambdaFunction.Properties!.Environment.Variables.MLLESS_REDIS_URL).toBeDefined();
});

test('a generated resource that serverless.yml already declares is an error, not an overwrite', () => {
  const sls = fakeServerless(['worker'], { MllessRedis: { Type: 'AWS::S3::Bucket' } });
  expect(() => addGeneratedConfiguration(sls)).toThrow('mltrain: resource MllessRedis is generated by the plugin; remove it from serverless.yml');
});
