import { MLLESS_ENV } from '../../../../lib/frameworks/mlless/environment';
import type { CfnResource, GeneratedConfiguration } from '../generated-types';

// MLLESS's AWS resources, generated from custom.mltrain.mlless: the supervisor's queue, one queue
// per worker (their number is the `workers` deployment parameter: sls deploy --param workers=8),
// and an ElastiCache Redis for the updates, in the private subnets of the shared network
// (custom.mltrain.vpc), reachable only from the functions' security group. The functions get the
// queue URLs and the Redis address through environment variables. The local runtime builds the
// same resources from this same function (lib/local/resources.ts).

export interface MllessPluginConfig {
  /** How many worker queues to create: the most workers a run on this deployment can use. */
  workers: number | string;
  /** ElastiCache node type of the update store (default cache.t4g.micro). */
  redisNodeType?: string;
}

/**
 * Lambda allows 4 KB of environment per function, and the worker queue URLs travel in one variable
 * (about 80 bytes each): 32 leaves room for the rest.
 */
export const MAX_DEPLOYED_WORKERS = 32;
const REDIS_PORT = 6379;
const QUEUE_NAME_LIMIT = 80;

export const mllessLogicalIds = {
  supervisorQueue: 'MllessSupervisorQueue',
  workerQueue: (rank: number) => `MllessWorkerQueue${rank}`,
  redis: 'MllessRedis',
  redisSubnetGroup: 'MllessRedisSubnetGroup',
  redisIngress: 'MllessRedisIngress',
};

export function mllessWorkerCount(config: MllessPluginConfig): number {
  const raw = config.workers;
  const workers = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_DEPLOYED_WORKERS) {
    throw new Error(`custom.mltrain.mlless.workers must be a whole number from 1 to ${MAX_DEPLOYED_WORKERS} (sls deploy --param workers=N), got ${JSON.stringify(raw)}`);
  }
  return workers;
}

export function mllessConfiguration(config: MllessPluginConfig, ctx: { service: string; stage: string }): GeneratedConfiguration {
  const workers = mllessWorkerCount(config);
  const ids = mllessLogicalIds;
  const resources: Record<string, CfnResource> = {
    [ids.supervisorQueue]: queue(queueName(ctx, 'supervisor')),
  };
  for (let rank = 0; rank < workers; rank++) resources[ids.workerQueue(rank)] = queue(queueName(ctx, `worker-${rank}`));
  resources[ids.redisSubnetGroup] = {
    Type: 'AWS::ElastiCache::SubnetGroup',
    Properties: {
      Description: `${ctx.service} ${ctx.stage}: MLLESS update store`,
      SubnetIds: [{ Ref: 'MltrainPrivateSubnetA' }, { Ref: 'MltrainPrivateSubnetB' }],
    },
  };
  resources[ids.redis] = {
    Type: 'AWS::ElastiCache::CacheCluster',
    Properties: {
      Engine: 'redis',
      CacheNodeType: config.redisNodeType ?? 'cache.t4g.micro',
      NumCacheNodes: 1,
      Port: REDIS_PORT,
      CacheSubnetGroupName: { Ref: ids.redisSubnetGroup },
      VpcSecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }],
    },
  };
  resources[ids.redisIngress] = {
    Type: 'AWS::EC2::SecurityGroupIngress',
    Properties: {
      Description: 'Redis from the functions only',
      GroupId: { Ref: 'MltrainDataSecurityGroup' },
      SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' },
      IpProtocol: 'tcp',
      FromPort: REDIS_PORT,
      ToPort: REDIS_PORT,
    },
  };
  const environment = {
    [MLLESS_ENV.supervisorQueueUrl]: { Ref: ids.supervisorQueue },
    [MLLESS_ENV.workerQueueUrls]: { 'Fn::Join': [',', Array.from({ length: workers }, (_, rank) => ({ Ref: ids.workerQueue(rank) }))] },
    [MLLESS_ENV.redisUrl]: {
      'Fn::Join': ['', ['redis://', { 'Fn::GetAtt': [ids.redis, 'RedisEndpoint.Address'] }, ':', { 'Fn::GetAtt': [ids.redis, 'RedisEndpoint.Port'] }]],
    },
  };
  return { resources, environment };
}

function queueName(ctx: { service: string; stage: string }, role: string): string {
  const name = `${ctx.service}-${ctx.stage}-${role}`;
  if (name.length > QUEUE_NAME_LIMIT || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new Error(`MLLESS queue name "${name}" is not a valid SQS name (at most ${QUEUE_NAME_LIMIT} letters, digits, - and _): shorten the service or stage name`);
  }
  return name;
}

function queue(name: string): CfnResource {
  return {
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: name,
      // Consumers delete a message once processed; one that is not comes back after this.
      VisibilityTimeout: 60,
      // Messages of a dead run need not linger: consumers drop other runs' messages anyway.
      MessageRetentionPeriod: 3600,
      SqsManagedSseEnabled: true,
    },
  };
}
