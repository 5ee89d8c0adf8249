// What the channels module adds to a service's CloudFormation template for one channel.

export type ChannelStore = 's3' | 'redis' | 'memcached' | 'dynamodb';

export const CHANNEL_STORES: readonly ChannelStore[] = ['s3', 'redis', 'memcached', 'dynamodb'];

/** custom.mltrain.channel in serverless.yml. */
export interface ChannelConfig {
  store: ChannelStore;
  /** ElastiCache node type for redis and memcached. */
  cacheNodeType?: string;
}

export type CfnValue = string | number | boolean | { [key: string]: unknown } | CfnValue[];

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
}

export interface ChannelPlan {
  resources: Record<string, CfnResource>;
  /** Environment variables every function of the service gets. */
  environment: Record<string, CfnValue>;
  /** Added to the functions' role. */
  iamStatements: Record<string, unknown>[];
  outputs: Record<string, { Description: string; Value: CfnValue }>;
  /** The functions must run in the VPC (custom.mltrain.vpc) to reach the channel. */
  needsVpc: boolean;
}

/** CloudFormation logical IDs the network module emits (COMMON network convention). */
export const NETWORK = {
  subnetA: 'MltrainPrivateSubnetA',
  subnetB: 'MltrainPrivateSubnetB',
  functionSecurityGroup: 'MltrainFunctionSecurityGroup',
  dataSecurityGroup: 'MltrainDataSecurityGroup',
} as const;
