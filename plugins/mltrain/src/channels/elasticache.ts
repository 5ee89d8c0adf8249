import { NETWORK, type ChannelPlan, type CfnResource } from './types';

// The redis and memcached channels: one ElastiCache node in the service's private subnets,
// reachable only from the functions' security group (network convention in the plugin's README).
// Redis speaks TLS (rediss://). Memcached's largest item is raised to 128 MB, the size
// `memcached -I 128m` has locally, so a 3.2 M-parameter gradient fits in one item; memjs speaks
// no TLS, so Memcached traffic stays plain inside the VPC.

export const DEFAULT_CACHE_NODE_TYPE = 'cache.t4g.medium';
export const CACHE_ID = 'ChannelCache';
const SUBNET_GROUP_ID = 'ChannelCacheSubnetGroup';
const INGRESS_ID = 'ChannelCacheIngress';
const PARAMETERS_ID = 'ChannelCacheParameters';
const MAX_ITEM_BYTES = String(128 * 1024 * 1024);

const ENGINES = {
  redis: { port: 6379, version: '7.1', scheme: 'rediss://', endpoint: 'RedisEndpoint', env: 'REDIS_URL' },
  memcached: { port: 11211, version: '1.6.22', scheme: '', endpoint: 'ConfigurationEndpoint', env: 'MEMCACHED_URL' },
} as const;

export function elastiCacheChannel(engine: keyof typeof ENGINES, nodeType = DEFAULT_CACHE_NODE_TYPE): ChannelPlan {
  const e = ENGINES[engine];
  const resources: Record<string, CfnResource> = {
    [SUBNET_GROUP_ID]: {
      Type: 'AWS::ElastiCache::SubnetGroup',
      Properties: {
        Description: `Private subnets of the ${engine} channel`,
        SubnetIds: [{ Ref: NETWORK.subnetA }, { Ref: NETWORK.subnetB }],
      },
    },
    [INGRESS_ID]: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        Description: `${engine} from the functions`,
        GroupId: { Ref: NETWORK.dataSecurityGroup },
        SourceSecurityGroupId: { Ref: NETWORK.functionSecurityGroup },
        IpProtocol: 'tcp',
        FromPort: e.port,
        ToPort: e.port,
      },
    },
    [CACHE_ID]: {
      Type: 'AWS::ElastiCache::CacheCluster',
      Properties: {
        Engine: engine,
        EngineVersion: e.version,
        CacheNodeType: nodeType,
        NumCacheNodes: 1,
        Port: e.port,
        CacheSubnetGroupName: { Ref: SUBNET_GROUP_ID },
        VpcSecurityGroupIds: [{ Ref: NETWORK.dataSecurityGroup }],
        ...(engine === 'redis'
          ? { TransitEncryptionEnabled: true, SnapshotRetentionLimit: 0 }
          : { CacheParameterGroupName: { Ref: PARAMETERS_ID } }),
      },
    },
  };
  if (engine === 'memcached') {
    resources[PARAMETERS_ID] = {
      Type: 'AWS::ElastiCache::ParameterGroup',
      Properties: {
        CacheParameterGroupFamily: 'memcached1.6',
        Description: 'memcached with 128 MB items, for whole gradients',
        Properties: { max_item_size: MAX_ITEM_BYTES },
      },
    };
  }
  const address = { 'Fn::GetAtt': [CACHE_ID, `${e.endpoint}.Address`] };
  const port = { 'Fn::GetAtt': [CACHE_ID, `${e.endpoint}.Port`] };
  return {
    resources,
    environment: { [e.env]: { 'Fn::Join': ['', [e.scheme, address, ':', port]] } },
    // ElastiCache has no data-plane IAM: only the security groups decide who may connect.
    iamStatements: [],
    outputs: { ChannelCacheAddress: { Description: `${engine} node the gradients travel through`, Value: address } },
    needsVpc: true,
  };
}
