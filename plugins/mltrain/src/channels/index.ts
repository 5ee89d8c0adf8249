import { dynamoChannel } from './dynamodb';
import { elastiCacheChannel } from './elasticache';
import { CHANNEL_STORES, type ChannelConfig, type ChannelPlan, type ChannelStore } from './types';

// The AWS resources of `--param channel=...` for the LambdaML collectives: nothing for s3 (the
// service's bucket), an ElastiCache node for redis and memcached, a DynamoDB table for dynamodb;
// plus the environment that points the functions at it and the IAM it needs.

export { CHANNEL_STORES, type ChannelConfig, type ChannelPlan, type ChannelStore } from './types';

export function planChannel(config: ChannelConfig): ChannelPlan {
  if (!CHANNEL_STORES.includes(config.store)) {
    throw new Error(`custom.mltrain.channel.store is "${String(config.store)}"; expected one of ${CHANNEL_STORES.join(', ')} (sls deploy --param channel=...)`);
  }
  switch (config.store) {
    case 's3':
      return { resources: {}, environment: {}, iamStatements: [], outputs: {}, needsVpc: false };
    case 'dynamodb':
      return dynamoChannel();
    case 'redis':
    case 'memcached':
      return elastiCacheChannel(config.store, config.cacheNodeType);
  }
}

type VpcSetting = boolean | { interfaceEndpoints?: string[]; cidr?: string } | undefined;

/**
 * custom.mltrain.vpc for a channel that lives in the VPC, or undefined when the setting can stay:
 * the functions go into the private subnets, with the Lambda interface endpoint through which the
 * trigger starts the workers and a worker hands over to its next invocation (no NAT there).
 */
export function channelNetwork(store: string, current: VpcSetting): Exclude<VpcSetting, boolean | undefined> | undefined {
  if (!planChannel({ store: store as ChannelStore }).needsVpc) return undefined;
  const settings = typeof current === 'object' ? current : {};
  const endpoints = settings.interfaceEndpoints ?? [];
  if (current && endpoints.includes('lambda')) return undefined;
  return { ...settings, interfaceEndpoints: [...endpoints, 'lambda'] };
}

interface CompiledTemplate {
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

type Resource = { Type: string; Properties: Record<string, any> };

/** Adds the plan to a compiled template: resources, outputs, each function's environment, the role's statements. */
export function applyChannelPlan(compiled: CompiledTemplate, plan: ChannelPlan, functionLogicalIds: string[]): void {
  const template = compiled as { Resources: Record<string, Resource | undefined>; Outputs?: Record<string, unknown> };
  for (const [id, resource] of Object.entries(plan.resources)) {
    if (template.Resources[id]) throw new Error(`the channel's resource ${id} clashes with one already in the template`);
    template.Resources[id] = resource;
  }
  template.Outputs = { ...template.Outputs, ...plan.outputs };
  for (const id of functionLogicalIds) {
    const fn = template.Resources[id];
    if (!fn) throw new Error(`function ${id} is not in the compiled template`);
    fn.Properties.Environment = { Variables: { ...fn.Properties.Environment?.Variables, ...plan.environment } };
  }
  if (plan.iamStatements.length) {
    const role = template.Resources.IamRoleLambdaExecution;
    if (!role) throw new Error('the channel needs IAM statements but the template has no IamRoleLambdaExecution');
    role.Properties.Policies[0].PolicyDocument.Statement.push(...plan.iamStatements);
  }
}
